"""Benchmark the whole check (runner + store + evidence + Claude judge) on the fake API.

Prints:

1. a full ``run_check`` of 1,000 per-principle judgments (125 transcripts x 8
   principles of ~1,700 tokens) against the fake Messages API with a 600 requests/min
   limit and 1 s latency: throughput as a fraction of the limit, requests refused
   (429), failed judgments, and input cost against the naive cost (cache writes at
   1.25x, reads at 0.1x); then the same check again: judge calls made and time;
2. the runner's own overhead per judgment (store lookups and commits, evidence
   checks, scheduling) with an instant in-process judge;
3. the whole local overhead per judgment with the network taken out: the Claude
   judge on an in-process transport, the fake server's own time subtracted.

    .venv/bin/python bench/bench_check.py
    .venv/bin/python bench/bench_check.py --skip-throughput
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anthropic
import httpx2

from bench.bench_judge import PRINCIPLES, cost_ratio, make_constitution, make_transcript
from checker.judges.anthropic import AnthropicJudge
from checker.runner import arun_check
from checker.store import open_store
from checker.verdict import Outcome
from tests.checker.stub_judge import StubJudge
from tests.fakeapi import FakeBackend, FakeConfig, FakeMessagesAPI, FaultPlan, mock_transport


async def throughput(args: argparse.Namespace, db: Path) -> None:
    constitution = make_constitution()
    transcripts = [make_transcript(i, args.tokens) for i in range(args.judgments // PRINCIPLES)]
    faults = FaultPlan(rate=args.fault_rate, kinds=("529", "500"), seed=1)
    config = FakeConfig(latency_s=args.latency, rpm=args.rpm, faults=faults, output_tokens=80)
    with FakeMessagesAPI(config) as api, open_store(db) as store:
        judge = AnthropicJudge(api_key="bench", base_url=api.base_url)
        async with judge:
            started = time.monotonic()
            result = await arun_check(
                constitution, transcripts, judge, store, concurrency=args.concurrency
            )
            elapsed = time.monotonic() - started
            before = api.stats.messages
            started = time.monotonic()
            again = await arun_check(constitution, transcripts, judge, store)
            second = time.monotonic() - started
        stats = api.stats
        repeat_requests = stats.messages - before
    n = result.totals.judgments
    limit = args.rpm / 60
    ratio, naive = cost_ratio(list(result.verdicts))
    failed = sum(v.outcome is Outcome.ERROR for v in result.verdicts)
    print(
        f"check: {n} judgments ({len(transcripts)} transcripts x {PRINCIPLES} principles),"
        f" limit {args.rpm}/min, latency {args.latency:g} s, faults {args.fault_rate:g},"
        f" concurrency {args.concurrency}"
    )
    print(
        f"  elapsed {elapsed:.1f} s: {n / elapsed:.2f} judgments/s ="
        f" {n / elapsed / limit:.3f} of the limit; requests {before}, refused (429)"
        f" {stats.rate_limited} ({stats.rate_limited / max(1, before):.2%}); failed judgments"
        f" {failed}; calls {result.totals.calls}"
    )
    print(f"  input cost vs naive: {ratio:.3f} (naive {naive} input tokens)")
    print(
        f"  same check again: {again.totals.calls} judge calls, {repeat_requests} requests,"
        f" {again.totals.cache_hits} cache hits, {second:.2f} s"
    )


async def runner_overhead(args: argparse.Namespace, db: Path) -> None:
    constitution = make_constitution()
    transcripts = [make_transcript(i, args.tokens) for i in range(args.judgments // PRINCIPLES)]
    with open_store(db) as store:
        judge = StubJudge()
        started = time.perf_counter()
        result = await arun_check(constitution, transcripts, judge, store, concurrency=16)
        elapsed = time.perf_counter() - started
        n = result.totals.judgments
        started = time.perf_counter()
        await arun_check(constitution, transcripts, judge, store)
        cached = time.perf_counter() - started
    print(
        f"runner overhead (instant judge, store on disk): {elapsed / n * 1000:.3f} ms per"
        f" judgment graded, {cached / n * 1000:.3f} ms per cache hit ({n} judgments)"
    )


async def local_overhead(args: argparse.Namespace, db: Path) -> None:
    constitution = make_constitution()
    transcripts = [make_transcript(i, args.tokens) for i in range(args.judgments // PRINCIPLES)]
    transport = mock_transport(FakeBackend(FakeConfig()))
    spent = [0.0]
    inner = transport.handler

    def timed(request: httpx2.Request) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(request)  # type: ignore[call-arg]
        finally:
            spent[0] += time.perf_counter() - t0

    transport.handler = timed
    client = anthropic.AsyncAnthropic(
        api_key="bench",
        base_url="http://fake.invalid",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=transport),
    )
    judge = AnthropicJudge(client=client)
    with open_store(db) as store:
        async with judge:
            await arun_check(constitution, transcripts[:1], judge, store)  # warm up
            spent[0] = 0.0
            started = time.perf_counter()
            result = await arun_check(constitution, transcripts[1:], judge, store, concurrency=16)
            elapsed = time.perf_counter() - started
    n = result.totals.calls
    per, fake = elapsed / n * 1000, spent[0] / n * 1000
    print(
        f"local overhead: {per - fake:.3f} ms per judgment with the network and the fake"
        f" server's work taken out ({per:.3f} ms in all, fake server {fake:.3f} ms;"
        f" {n} judgments, {result.totals.errors} failed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--judgments", type=int, default=1000)
    parser.add_argument("--rpm", type=int, default=600)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--tokens", type=int, default=1700)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_throughput:
            asyncio.run(throughput(args, Path(tmp) / "throughput.db"))
        asyncio.run(runner_overhead(args, Path(tmp) / "runner.db"))
        asyncio.run(local_overhead(args, Path(tmp) / "local.db"))


if __name__ == "__main__":
    main()
