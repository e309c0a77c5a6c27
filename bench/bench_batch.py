"""``check --batch`` at scale against the fake Message Batches API.

Prints, for N judgments (default 10,000: 1,250 transcripts x 8 principles of ~1,700
tokens), with batches that end ``--delay`` seconds after creation:

1. a batch check: calls made interactively (goal 0), batches created, its cost;
2. its cost relative to the interactive per-principle check of the same first 1,000
   judgments with the same prompt caching (goal <= 0.5), and of a batch run whose
   requests get no cache hits (the API caches batches on a best-effort basis);
3. kill -9 of a batch check while it polls, then ``--resume``: batches created
   again (goal 0) and judgments collected.

    .venv/bin/python bench/bench_batch.py
    .venv/bin/python bench/bench_batch.py --judgments 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_judge import PRINCIPLES, make_constitution, make_transcript  # noqa: E402
from checker.judges.anthropic import AnthropicJudge  # noqa: E402
from checker.results import RunResult  # noqa: E402
from checker.runner import arun_check  # noqa: E402
from checker.store import open_store  # noqa: E402
from tests.fakeapi import FakeConfig, FakeMessagesAPI  # noqa: E402

SAMPLE = 1000
"""Judgments graded interactively for the cost comparison."""


async def check(
    base_url: str, db: Path, judgments: int, *, batch: bool, resume: int | None = None
) -> RunResult:
    transcripts = [make_transcript(i) for i in range(judgments // PRINCIPLES)]
    with open_store(db) as store:
        async with AnthropicJudge(api_key="bench", base_url=base_url) as judge:
            return await arun_check(
                make_constitution(), transcripts, judge, store, batch=batch, resume=resume,
                concurrency=32, poll_s=0.5,
            )  # fmt: skip


def sample_cost(result: RunResult) -> float:
    ids = {f"t{i}" for i in range(SAMPLE // PRINCIPLES)}
    return sum(v.usage.cost_usd for v in result.verdicts if v.transcript_id in ids)


def batch_runs(args: argparse.Namespace, tmp: Path) -> None:
    config = FakeConfig(batch_delay_s=args.delay, output_tokens=80)
    with FakeMessagesAPI(config) as api:
        started = time.monotonic()
        result = asyncio.run(check(api.base_url, tmp / "batch.db", args.judgments, batch=True))
        elapsed = time.monotonic() - started
        interactive_calls, created = api.stats.messages, api.backend.batches.created
    with FakeMessagesAPI(FakeConfig(batch_delay_s=args.delay, batch_cache=False)) as api:
        cold = asyncio.run(check(api.base_url, tmp / "cold.db", args.judgments, batch=True))
    with FakeMessagesAPI(FakeConfig(output_tokens=80)) as api:
        interactive = asyncio.run(check(api.base_url, tmp / "live.db", SAMPLE, batch=False))
    t = result.totals
    print(
        f"batch check of {t.judgments} judgments ({t.errors} errors) in {elapsed:.1f} s:"
        f" {interactive_calls} interactive calls (goal 0), {created} batches created,"
        f" cost ${t.cost_usd:.4f}"
    )
    base = interactive.totals.cost_usd
    print(
        f"  first {SAMPLE} judgments: interactive per-principle ${base:.4f};"
        f" batch with the same caching ${sample_cost(result):.4f}"
        f" = {sample_cost(result) / base:.3f} of it (goal <= 0.5);"
        f" batch without cache hits ${sample_cost(cold):.4f} = {sample_cost(cold) / base:.3f}"
    )


def kill_and_resume(args: argparse.Namespace, tmp: Path) -> None:
    db = tmp / "killed.db"
    config = FakeConfig(batch_delay_s=max(args.delay, 5.0), output_tokens=80)
    with FakeMessagesAPI(config) as api:
        command = [sys.executable, __file__, "--worker", str(db), api.base_url, str(args.judgments)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while _submitted(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # polling now
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        before = api.backend.batches.created
        result = asyncio.run(check(api.base_url, db, args.judgments, batch=True, resume=1))
        again = api.backend.batches.created - before
    print(
        f"kill -9 while polling ({before} batch(es) submitted), then --resume: {again} batches"
        f" created again (goal 0); {result.totals.judgments} judgments collected,"
        f" {api.stats.messages} interactive calls"
    )


def _submitted(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT COUNT(*) FROM batches WHERE state = 'submitted'").fetchone()
            return int(row[0])
    except sqlite3.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--judgments", type=int, default=10_000)
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--worker", nargs=3, metavar=("DB", "URL", "N"))
    args = parser.parse_args()
    if args.worker:
        db, url, n = args.worker
        asyncio.run(check(url, Path(db), int(n), batch=True))
        return
    with tempfile.TemporaryDirectory() as tmp:
        batch_runs(args, Path(tmp))
        kill_and_resume(args, Path(tmp))


if __name__ == "__main__":
    main()
