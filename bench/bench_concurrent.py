"""Calls made by 1, 2 and 4 concurrent checks of the same judgments on one store.

Each check is its own process (``python bench/bench_concurrent.py --worker``) running
``arun_check`` with the Claude judge against one fake Messages API (latency 0.2 s,
no rate limit) served by this process; every round starts on a fresh store. Claims
on judgments (leases in the store) should make N checks pay for the work once.

    .venv/bin/python bench/bench_concurrent.py            # 1,000 judgments
    .venv/bin/python bench/bench_concurrent.py --judgments 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_judge import PRINCIPLES, make_constitution, make_transcript  # noqa: E402
from checker.judges.anthropic import AnthropicJudge  # noqa: E402
from checker.runner import arun_check  # noqa: E402
from checker.store import open_store  # noqa: E402
from tests.fakeapi import FakeConfig, FakeMessagesAPI  # noqa: E402


async def worker(db: Path, base_url: str, judgments: int) -> None:
    constitution = make_constitution()
    transcripts = [make_transcript(i, 1700) for i in range(judgments // PRINCIPLES)]
    with open_store(db) as store:
        async with AnthropicJudge(api_key="bench", base_url=base_url) as judge:
            result = await arun_check(constitution, transcripts, judge, store, concurrency=16)
    t = result.totals
    print(f"{t.judgments} {t.calls} {t.cache_hits} {t.errors}")


def round_of(checks: int, judgments: int, base_url: str, db: Path) -> list[str]:
    command = [sys.executable, __file__, "--worker", str(db), base_url, str(judgments)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) for _ in range(checks)
    ]
    return [p.communicate()[0].strip() for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--judgments", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--worker", nargs=3, metavar=("DB", "URL", "N"))
    args = parser.parse_args()
    if args.worker:
        db, url, n = args.worker
        asyncio.run(worker(Path(db), url, int(n)))
        return
    config = FakeConfig(latency_s=args.latency, output_tokens=80)
    print(f"{args.judgments} judgments ({PRINCIPLES} principles), API latency {args.latency} s")
    with tempfile.TemporaryDirectory() as tmp, FakeMessagesAPI(config) as api:
        for checks in (1, 2, 4):
            before = api.stats.messages
            started = time.monotonic()
            lines = round_of(checks, args.judgments, api.base_url, Path(tmp) / f"{checks}.db")
            calls = api.stats.messages - before
            elapsed = time.monotonic() - started
            print(
                f"  {checks} concurrent check(s): {calls} calls to the API (goal"
                f" {args.judgments}); {elapsed:.1f} s; per check judgments/calls/cached/errors:"
                f" {'; '.join(lines)}"
            )


if __name__ == "__main__":
    main()
