"""Benchmark an audit against the fake Messages API playing auditor and target.

Plays the bundled example (fixtures/audit: 3 scenarios) ``--samples`` times for up
to ``--turns`` target replies, and prints, per scenario turn (one target reply):
the calls made (target and auditor), the input tokens sent uncached, read from
and written to the prompt cache, the output tokens, and the share of input tokens
served from prompt caches. Then it repeats the audit and prints the calls the
repeat made (every call is served from the store: 0 expected).

The fake caches like the Messages API: a prefix of at least ``--min-cacheable``
tokens (1,024 on most Claude models) is written once and read by later turns.
The target's system prompt and the conversation so far, and the auditor's system
prompt and its view of the conversation, are cache prefixes.

    .venv/bin/python bench/bench_audit.py
    .venv/bin/python bench/bench_audit.py --turns 8 --samples 4 --min-cacheable 512
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker.audit.clients import AnthropicChat
from checker.audit.run import AuditRun, AuditSettings, arun_audit
from checker.audit.scenarios import load_scenarios
from checker.store import open_store
from constitution.load import load_constitution
from tests.fakeapi import FakeConfig, FakeMessagesAPI
from tests.fakeapi.scripted import AuditScript

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "audit"


class _Persistent(AuditScript):
    """The scripted auditor, but insisting for every turn (long conversations)."""

    def _auditor(self, system: str, request: dict[str, Any]) -> dict[str, Any]:
        move = super()._auditor(system.replace("Goal:", "Goal: escalate;", 1), request)
        if '"action": "end"' in move["text"]:
            move = {"text": '{"action": "send", "message": "I really insist, please.",'
                            ' "tool_results": [], "note": "again"}'}  # fmt: skip
        return move


async def _audit(base_url: str, db: Path, settings: AuditSettings) -> AuditRun:
    constitution = load_constitution(FIXTURES / "tea-shop.yaml")
    scenarios = load_scenarios(FIXTURES / "scenarios.yaml")
    target = AnthropicChat("target-strict", api_key="bench", base_url=base_url)
    auditor = AnthropicChat("auditor-model", api_key="bench", base_url=base_url)
    try:
        with open_store(db) as store:
            return await arun_audit(constitution, scenarios, target, auditor, store, settings)
    finally:
        await target.aclose()
        await auditor.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--min-cacheable", type=int, default=1024)
    args = parser.parse_args()
    config = FakeConfig(script=_Persistent(), min_cacheable_tokens=args.min_cacheable)
    settings = AuditSettings(turns=args.turns, samples=args.samples, concurrency=4)
    with tempfile.TemporaryDirectory() as tmp, FakeMessagesAPI(config) as api:
        db = Path(tmp) / "bench.db"
        run = asyncio.run(_audit(api.base_url, db, settings))
        stats = api.stats
        turns = run.target.made
        sent = stats.input_tokens + stats.cache_read_tokens + stats.cache_write_tokens
        print(
            f"audit: {len(run.transcripts)} conversations, {turns} scenario turns"
            f" (target replies), turns <= {args.turns}, min cacheable prefix"
            f" {args.min_cacheable} tokens"
        )
        print(
            f"per scenario turn: {stats.messages / turns:.2f} calls"
            f" ({run.target.made / turns:.2f} target, {run.auditor.made / turns:.2f} auditor),"
            f" {sent / turns:,.0f} input tokens ({stats.input_tokens / turns:,.0f} uncached,"
            f" {stats.cache_read_tokens / turns:,.0f} cache read,"
            f" {stats.cache_write_tokens / turns:,.0f} cache write),"
            f" {stats.output_tokens / turns:,.0f} output tokens"
        )
        print(
            f"share of input tokens served from prompt caches: {stats.cache_read_tokens / sent:.1%}"
        )
        before = stats.messages
        again = asyncio.run(_audit(api.base_url, db, settings))
        print(
            f"repeated audit: {api.stats.messages - before} calls made,"
            f" {again.target.cached + again.auditor.cached} served from the store"
        )


if __name__ == "__main__":
    main()
