"""Benchmark the OpenAI-compatible judge against the fake OpenAI-compatible server.

Prints, for per-principle judgments (8 principles per transcript of over 1,024
tokens by the fake's count) against a requests-per-minute token bucket with latency:

1. throughput as a fraction of the server's rate limit, the share of requests refused
   (429) and the number of failed judgments;
2. the share of prompt tokens served from the server's prefix cache
   (``usage.prompt_tokens_details.cached_tokens``; the fake caches a prefix only
   once a request that carried it has completed).

    .venv/bin/python bench/bench_openai_judge.py                  # the issue's setup (~2 min)
    .venv/bin/python bench/bench_openai_judge.py --judgments 400 --no-headers
    .venv/bin/python bench/bench_openai_judge.py --llama-cpp      # json_schema refused with 500
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_judge import PRINCIPLES, make_constitution, make_transcript

from checker.judges.llm import render_transcript
from checker.judges.openai import OpenAIJudge
from checker.transcript import Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution
from tests.fakeopenai import FakeOpenAI, FakeOpenAIConfig, FaultPlan, count_text, llama_cpp_config


async def grade_all(
    judge: OpenAIJudge, transcripts: list[Transcript], constitution: Constitution
) -> list[Verdict]:
    jobs = [judge.grade(t, p, constitution) for t in transcripts for p in constitution.principles]
    return list(await asyncio.gather(*jobs))


def server_config(args: argparse.Namespace) -> FakeOpenAIConfig:
    faults = FaultPlan(rate=args.fault_rate, kinds=("500", "503"), seed=1)
    options = {"latency_s": args.latency, "rpm": args.rpm, "burst": args.burst, "faults": faults}
    if args.llama_cpp:
        return llama_cpp_config(**options)
    return FakeOpenAIConfig(ratelimit_headers=not args.no_headers, **options)


async def throughput(args: argparse.Namespace) -> None:
    constitution = make_constitution()
    n_transcripts = max(1, args.judgments // PRINCIPLES)
    transcripts = [make_transcript(i, args.tokens) for i in range(n_transcripts)]
    sizes = [count_text(render_transcript(t)) for t in transcripts]
    config = server_config(args)
    with FakeOpenAI(config) as api:
        judge = OpenAIJudge(
            model="bench-model",
            base_url=api.base_url,
            api_key="bench",
            max_concurrency=args.concurrency,
        )
        async with judge:
            started = time.monotonic()
            verdicts = await grade_all(judge, transcripts, constitution)
            elapsed = time.monotonic() - started
        stats = api.stats
    failed = sum(v.outcome is Outcome.ERROR for v in verdicts)
    limit_per_s = args.rpm / 60
    refused = stats.rate_limited / max(1, stats.completions)
    print(
        f"setup: {len(verdicts)} judgments = {n_transcripts} transcripts x {PRINCIPLES} "
        f"principles (per-principle), transcript {min(sizes)}-{max(sizes)} tokens by the "
        f"fake's count, limit {args.rpm} req/min (bucket {config.burst or args.rpm / 60:g}), "
        f"latency {args.latency:g} s, rate-limit headers "
        f"{'on' if config.ratelimit_headers else 'off'}, injected 500/503 rate "
        f"{args.fault_rate:g}, structured output {judge.mode}"
    )
    print(
        f"elapsed {elapsed:.1f} s; requests {stats.completions}, accepted {stats.ok}, "
        f"refused (429) {stats.rate_limited}, mode rejections {judge.mode_rejections}, "
        f"injected faults {sum(stats.faults.values())}, max in flight {stats.max_in_flight}"
    )
    print(
        f"throughput: {(len(verdicts) - failed) / elapsed:.2f} successful judgments/s = "
        f"{(len(verdicts) - failed) / elapsed / limit_per_s:.3f} of the limit "
        f"(accepted requests: {stats.ok / elapsed / limit_per_s:.3f} of the limit)"
    )
    print(f"refused: {refused:.2%} of requests; failed judgments: {failed}")
    reported = judge.run_stats().labels["cached_tokens"]
    share = stats.cached_tokens / max(1, stats.prompt_tokens)
    counted = judge.stats.usage.cache_read_tokens / max(1, stats.prompt_tokens)
    print(
        f"prefix cache: {share:.3f} of prompt tokens served from the cache "
        f"({stats.cached_tokens} of {stats.prompt_tokens}); the judge counted "
        f"{counted:.3f} as cache reads (cached tokens {reported})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judgments", type=int, default=1200)
    parser.add_argument("--rpm", type=int, default=600)
    parser.add_argument("--burst", type=float, default=None, help="bucket size (default 1 s)")
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--tokens", type=int, default=1700, help="size of make_transcript")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--no-headers", action="store_true", help="a server without x-ratelimit-*")
    parser.add_argument("--llama-cpp", action="store_true", help="llama.cpp's behaviour")
    asyncio.run(throughput(parser.parse_args()))


if __name__ == "__main__":
    main()
