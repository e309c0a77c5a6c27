"""How far the dry-run token estimates are from what our fake servers count.

For real transcripts (the bundled fixtures, and the shared corpora when present) and
the bundled constitutions, each judge estimates its input tokens offline (no key, no
network), then grades the same pairs against its fake server, which reports the
tokens it counted. Prints the relative error of the estimate per request and per
transcript (max, 95th percentile, mean) and over the whole run.

The fakes count by stated rules (``tests/fakeopenai/tokens.py``; the fake Messages
API counts a token per four characters), so the bounds printed hold against the
fakes, not against any real model's tokenizer.

    .venv/bin/python bench/bench_token_estimate.py
    .venv/bin/python bench/bench_token_estimate.py --transcripts 100 --principles 2
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker.judges.anthropic import AnthropicJudge
from checker.judges.llm import render_transcript
from checker.judges.llm.tokens import estimate_tokens
from checker.judges.openai import OpenAIJudge
from checker.transcript import Transcript
from checker.transcripts import load_transcripts
from constitution.load import load_constitution
from constitution.model import Constitution, Principle
from tests.fakeapi import FakeMessagesAPI
from tests.fakeopenai import FakeOpenAI, count_text

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"


def read_transcripts(corpora: Path, limit: int, seed: int) -> list[Transcript]:
    found: dict[str, Transcript] = {}
    sources = [ROOT / "fixtures" / "demo", ROOT / "fixtures" / "transcripts"]
    for folder in [*sources, corpora / "inspect", corpora / "xstest"]:
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            try:
                for transcript in load_transcripts([path]):
                    found.setdefault(transcript.content_hash(), transcript)
            except Exception:  # not a transcript file (licences, scripts)
                continue
    items = list(found.values())
    random.Random(seed).shuffle(items)
    return items[:limit]


def relative(estimated: list[int], counted: list[int]) -> list[float]:
    return [abs(e - c) / c for e, c in zip(estimated, counted, strict=True) if c]


def describe(name: str, errors: list[float]) -> str:
    ordered = sorted(errors)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"{name}: max {max(ordered):.3f}, p95 {p95:.3f}, mean {statistics.mean(ordered):.3f}"
        f" ({len(ordered)})"
    )


Pairs = list[tuple[Transcript, Constitution, list[Principle]]]


async def measure(
    pairs: Pairs,
    make: Callable[[str], Any],
    server: Any,
    counted_so_far: Callable[[Any], int],
) -> tuple[list[int], list[int], list[int], list[int]]:
    """(estimated, counted) per request and per transcript."""
    offline = make("offline")
    per_request: tuple[list[int], list[int]] = ([], [])
    per_transcript: tuple[list[int], list[int]] = ([], [])
    async with make(server.base_url) as judge:
        for transcript, constitution, principles in pairs:
            estimate = await offline.estimate(transcript, principles, constitution)
            before = counted_so_far(server)
            for principle in principles:
                one = await offline.estimate(transcript, [principle], constitution)
                start = counted_so_far(server)
                await judge.grade(transcript, principle, constitution)
                per_request[0].append(
                    one.input_tokens + one.cache_read_tokens + one.cache_write_tokens
                )
                per_request[1].append(counted_so_far(server) - start)
            total = estimate.input_tokens + estimate.cache_read_tokens + estimate.cache_write_tokens
            per_transcript[0].append(total)
            per_transcript[1].append(counted_so_far(server) - before)
    await offline.aclose()
    return per_request[0], per_request[1], per_transcript[0], per_transcript[1]


def report(name: str, figures: tuple[list[int], list[int], list[int], list[int]]) -> None:
    req_est, req_cnt, tr_est, tr_cnt = figures
    print(f"{name}:")
    print("  " + describe("per request", relative(req_est, req_cnt)))
    print("  " + describe("per transcript", relative(tr_est, tr_cnt)))
    total = sum(tr_est) / sum(tr_cnt) - 1
    print(f"  whole run: estimated {sum(tr_est):,} vs counted {sum(tr_cnt):,} ({total:+.3f})")


async def run(args: argparse.Namespace) -> None:
    transcripts = read_transcripts(args.corpora, args.transcripts, args.seed)
    constitutions = [load_constitution(p) for p in sorted((ROOT / "fixtures").glob("*.yaml"))]
    rng = random.Random(args.seed)
    pairs: Pairs = []
    for transcript in transcripts:
        constitution = rng.choice(constitutions)
        count = min(args.principles, len(constitution.principles))
        pairs.append((transcript, constitution, rng.sample(list(constitution.principles), count)))
    print(
        f"{len(pairs)} transcripts (fixtures and shared corpora), {args.principles} principles"
        f" each, from {len(constitutions)} bundled constitutions"
    )
    texts = [render_transcript(t) for t in transcripts]
    alone = relative([estimate_tokens(t) for t in texts], [count_text(t) for t in texts])
    print("the transcript text alone, vs the OpenAI fake's rule: " + describe("", alone)[2:])

    def openai_judge(url: str) -> OpenAIJudge:
        if url == "offline":
            return OpenAIJudge(model="m", base_url="https://api.example.invalid/v1", offline=True)
        return OpenAIJudge(model="m", base_url=url, api_key="bench", warm_prefix=False)

    with FakeOpenAI() as api:
        figures = await measure(pairs, openai_judge, api, lambda s: s.stats.prompt_tokens)
    report("openai judge vs the fake OpenAI-compatible server", figures)

    def anthropic_judge(url: str) -> AnthropicJudge:
        if url == "offline":
            return AnthropicJudge(model="claude-sonnet-5-5", offline=True)
        return AnthropicJudge(model="claude-sonnet-5-5", base_url=url, api_key="bench")

    def claude_counted(s: Any) -> int:
        st = s.stats
        return int(st.input_tokens + st.cache_read_tokens + st.cache_write_tokens)

    with FakeMessagesAPI() as api:
        figures = await measure(pairs, anthropic_judge, api, claude_counted)
    report("anthropic judge vs the fake Messages API", figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=300)
    parser.add_argument("--principles", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="the shared corpora")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
