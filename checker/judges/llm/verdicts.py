"""From a model's reply to verdicts: one per principle, errors never read as passes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from checker.judges._protocol import verdict_provenance
from checker.judges.llm.calling import CallResult, JudgeStats
from checker.judges.llm.prompts import GroupedReply, VerdictReply
from checker.judges.llm.usage import split_usage
from checker.secrets import scrub_secrets
from checker.transcript import Transcript
from checker.verdict import Evidence, Outcome, Verdict
from constitution.model import Principle

T = TypeVar("T")


class _Judging(Protocol):
    name: str
    model: str
    prompt_version: str

    @property
    def stats(self) -> JudgeStats: ...


def verdict_from_reply(
    judge: _Judging,
    transcript: Transcript,
    principle: Principle,
    sample_index: int,
    reply: VerdictReply | None,
    result: CallResult[Any],
) -> Verdict:
    """The verdict ``reply`` holds, or an ``error`` verdict with the call's error."""
    common: dict[str, Any] = {
        **verdict_provenance(judge, transcript, principle, sample_index),
        "usage": result.usage,
        "latency_s": result.latency_s,
    }
    if reply is None:
        judge.stats.errors += 1
        error = scrub_secrets(result.error or "no verdict in the reply")
        return Verdict(outcome=Outcome.ERROR, error=error, **common)
    return Verdict(
        outcome=Outcome(reply.outcome),
        score=reply.score,
        confidence=reply.confidence,
        rationale=reply.rationale,
        evidence=tuple(
            Evidence(message_index=q.message_index, quote=q.quote) for q in reply.evidence
        ),
        **common,
    )


def grouped_verdicts(
    judge: _Judging,
    transcript: Transcript,
    principles: Sequence[Principle],
    sample_index: int,
    result: CallResult[Any],
) -> list[Verdict]:
    """One verdict per principle from a grouped call, its usage and latency shared evenly.

    A principle missing from the reply gets an ``error`` verdict; the verdicts that
    did come back are kept.
    """
    ids = [p.id for p in principles]
    found: dict[str, VerdictReply] = {}
    if isinstance(result.value, GroupedReply):
        found = {v.principle_id: v for v in result.value.verdicts if v.principle_id in ids}
    shares = split_usage(result.usage, len(principles))
    latency = result.latency_s / max(1, len(principles))
    verdicts = []
    for principle, usage in zip(principles, shares, strict=True):
        reply = found.get(principle.id)
        error = result.error or (None if reply else "reply has no verdict for this principle")
        share: CallResult[Any] = CallResult(reply, usage, error, latency)
        verdicts.append(
            verdict_from_reply(judge, transcript, principle, sample_index, reply, share)
        )
    return verdicts


class WarmPrefix:
    """Lets the first call on a transcript write a server's prompt cache before the others.

    Per-principle calls on one transcript share a long prefix; sent all at once,
    each would pay to write it. The first call for a key goes at once, the others
    wait until it is back and then read the cached prefix.
    """

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    async def run(self, parts: Sequence[str], call: Callable[[], Awaitable[T]]) -> T:
        """``call()``, after the first call with the same ``parts`` has finished."""
        key = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        event = self._events.get(key)
        if event is None:
            self._events[key] = event = asyncio.Event()
            try:
                return await call()
            finally:
                event.set()
        await event.wait()
        return await call()
