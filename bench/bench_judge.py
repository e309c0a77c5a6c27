"""Benchmark the Claude judge against the fake Messages API.

Prints three figures:

1. throughput as a fraction of the server's rate limit (1,000 per-principle
   judgments, 125 transcripts x 8 principles of ~1,700 tokens, a 600 requests/min
   token bucket, 1 s latency), with the share of requests refused (429) and the
   number of failed judgments;
2. the input cost in per-principle mode against the naive cost (every input token at
   full price), counting cache writes at 1.25x and reads at 0.1x;
3. the local overhead per judgment with the network taken out (in-process
   transport, no latency, no limit).

    .venv/bin/python bench/bench_judge.py                 # all three (~2 minutes)
    .venv/bin/python bench/bench_judge.py --skip-throughput
    .venv/bin/python bench/bench_judge.py --latency 0.5 --fault-rate 0.04 --judgments 1200
    .venv/bin/python bench/bench_judge.py --baseline --concurrency 32 --skip-overhead
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anthropic
import httpx2

from checker.judges.anthropic import AnthropicJudge
from checker.ratelimit import AdaptiveLimiter, Ticket
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution, Principle, Tier
from tests.fakeapi import (
    FakeBackend,
    FakeConfig,
    FakeMessagesAPI,
    FaultPlan,
    mock_transport,
    rough_tokens,
)

PRINCIPLES = 8
TOPICS = ["gardening", "cooking", "travel", "taxes", "music", "chess", "running", "painting"]


def make_constitution(n: int = PRINCIPLES) -> Constitution:
    principles = tuple(
        Principle(
            id=f"rule.p{i}",
            title=f"Rule {i}",
            statement=f"The assistant follows rule number {i}: it stays honest about "
            f"{TOPICS[i % len(TOPICS)]} and does not make up facts.",
            tier="core" if i % 2 else "style",
        )
        for i in range(n)
    )
    return Constitution(
        id="bench",
        title="Benchmark rules",
        version="1.0.0",
        tiers=(Tier(id="core"), Tier(id="style")),
        principles=principles,
    )


def make_transcript(i: int, tokens: int = 1700) -> Transcript:
    topic = TOPICS[i % len(TOPICS)]
    turn = f"Transcript {i}: a long question about {topic}, with details and context. "
    user = (turn * (tokens * 4 // len(turn) // 2 + 1))[: tokens * 2]
    reply = "FORBIDDEN advice." if i % 5 == 0 else f"A careful answer about {topic}."
    reply = (reply + " " + turn * (tokens * 4 // len(turn) // 2))[: tokens * 2]
    return Transcript(
        id=f"t{i}",
        messages=(
            Message(role=Role.USER, parts=(TextPart(text=user),)),
            Message(role=Role.ASSISTANT, parts=(TextPart(text=reply),)),
        ),
    )


def cost_ratio(verdicts: list[Verdict]) -> tuple[float, int]:
    """(paid input / naive input, naive input tokens)."""
    naive = sum(
        v.usage.input_tokens + v.usage.cache_write_tokens + v.usage.cache_read_tokens
        for v in verdicts
    )
    paid = sum(
        v.usage.input_tokens + 1.25 * v.usage.cache_write_tokens + 0.1 * v.usage.cache_read_tokens
        for v in verdicts
    )
    return paid / naive if naive else 0.0, naive


async def grade_all(
    judge: AnthropicJudge, transcripts: list[Transcript], constitution: Constitution
) -> list[Verdict]:
    return list(
        await asyncio.gather(
            *(judge.grade(t, p, constitution) for t in transcripts for p in constitution.principles)
        )
    )


class _Unpaced(AdaptiveLimiter):
    """A plain semaphore: no pacing, nothing learned from headers."""

    def release(self, ticket: Ticket, headers: Any, *, limited: bool) -> None:
        self._in_flight -= 1
        self._freed.set()


def baseline_judge(base_url: str, concurrency: int) -> AnthropicJudge:
    """For comparison: the SDK's own retries (2, honouring retry-after), no pacing."""
    client = anthropic.AsyncAnthropic(api_key="bench", base_url=base_url, open_telemetry=False)
    limiter = _Unpaced(max_concurrency=concurrency, initial_concurrency=concurrency)
    return AnthropicJudge(client=client, limiter=limiter, max_attempts=1, max_rate_limited=0)


async def throughput(args: argparse.Namespace) -> None:
    constitution = make_constitution()
    n_transcripts = max(1, args.judgments // PRINCIPLES)
    transcripts = [make_transcript(i, args.tokens) for i in range(n_transcripts)]
    sample = rough_tokens("\n".join(m.text for m in transcripts[0].messages))
    faults = FaultPlan(rate=args.fault_rate, kinds=("529", "500"), seed=1)
    config = FakeConfig(
        latency_s=args.latency, rpm=args.rpm, burst=args.burst, faults=faults, output_tokens=80
    )
    with FakeMessagesAPI(config) as api:
        if args.baseline:
            judge = baseline_judge(api.base_url, args.concurrency)
        else:
            judge = AnthropicJudge(
                api_key="bench", base_url=api.base_url, max_concurrency=args.concurrency
            )
        async with judge:
            started = time.monotonic()
            verdicts = await grade_all(judge, transcripts, constitution)
            elapsed = time.monotonic() - started
        stats = api.stats
    failed = sum(v.outcome is Outcome.ERROR for v in verdicts)
    limit_per_s = args.rpm / 60
    ratio, naive = cost_ratio(verdicts)
    print(
        f"setup: {len(verdicts)} judgments = {n_transcripts} transcripts x {PRINCIPLES} "
        f"principles, transcript ~{sample} tokens, limit {args.rpm} req/min "
        f"(bucket {config.burst or args.rpm / 60:g}), latency {args.latency:g} s, "
        f"injected 529/500 rate {args.fault_rate:g}"
    )
    print(
        f"elapsed {elapsed:.1f} s; requests {stats.messages}, accepted {stats.ok}, "
        f"refused (429) {stats.rate_limited}, injected faults {sum(stats.faults.values())}, "
        f"max in flight {stats.max_in_flight}"
    )
    print(
        f"throughput: {(len(verdicts) - failed) / elapsed:.2f} successful judgments/s = "
        f"{(len(verdicts) - failed) / elapsed / limit_per_s:.3f} of the limit "
        f"(accepted requests: {stats.ok / elapsed / limit_per_s:.3f} of the limit)"
    )
    print(
        f"refused: {stats.rate_limited / max(1, stats.messages):.2%} of requests; "
        f"failed judgments: {failed}"
    )
    print(
        f"input cost vs naive: {ratio:.3f} (naive {naive} input tokens; "
        f"writes {sum(v.usage.cache_write_tokens for v in verdicts)}, "
        f"reads {sum(v.usage.cache_read_tokens for v in verdicts)}, "
        f"uncached {sum(v.usage.input_tokens for v in verdicts)})"
    )


async def overhead(args: argparse.Namespace) -> None:
    constitution = make_constitution()
    n = args.overhead_judgments
    transcripts = [make_transcript(i, args.tokens) for i in range(max(1, n // PRINCIPLES))]
    backend = FakeBackend(FakeConfig())
    transport = mock_transport(backend)
    spent = [0.0]
    inner = transport.handler

    def timed(request: httpx2.Request) -> Any:
        t0 = time.process_time()
        try:
            return inner(request)
        finally:
            spent[0] += time.process_time() - t0

    transport.handler = timed
    client = anthropic.AsyncAnthropic(
        api_key="bench",
        base_url="http://fake.invalid",
        max_retries=0,
        open_telemetry=False,  # as the judge's own client
        http_client=httpx2.AsyncClient(transport=transport),
    )
    judge = AnthropicJudge(client=client, max_concurrency=args.concurrency)
    async with judge:
        await grade_all(judge, transcripts[:1], constitution)  # warm imports and schemas
        spent[0] = 0.0
        started, cpu_started = time.perf_counter(), time.process_time()
        verdicts = await grade_all(judge, transcripts, constitution)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    failed = sum(v.outcome is Outcome.ERROR for v in verdicts)
    n_done = len(verdicts)
    fake = spent[0] / n_done * 1000
    print(
        f"local overhead: {cpu / n_done * 1000 - fake:.3f} ms CPU per judgment with the fake "
        f"server's own work taken out (CPU {cpu / n_done * 1000:.3f} ms in all, fake server "
        f"{fake:.3f} ms; wall {elapsed / n_done * 1000:.3f} ms on a shared machine; "
        f"{n_done} judgments, {failed} failed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judgments", type=int, default=1000)
    parser.add_argument("--rpm", type=int, default=600)
    parser.add_argument("--burst", type=float, default=None, help="bucket size (default 1 s)")
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--tokens", type=int, default=1700, help="tokens per transcript")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--overhead-judgments", type=int, default=1000)
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="throughput with the SDK's own retries and no pacing, for comparison",
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    if not args.skip_throughput:
        asyncio.run(throughput(args))
    if not args.skip_overhead:
        asyncio.run(overhead(args))


if __name__ == "__main__":
    main()
