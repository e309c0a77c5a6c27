"""The judge interface every backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from checker.transcript import Transcript
from checker.verdict import Usage, Verdict
from constitution.model import Constitution, Principle


@runtime_checkable
class Judge(Protocol):
    """Grades one transcript against one principle."""

    name: str
    """Backend name recorded in every verdict (``anthropic``, ``local``, ...)."""
    model: str
    """Model identifier recorded in every verdict and cache key."""
    prompt_version: str
    """Version of the prompt or method; part of the cache key."""

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict: ...


@runtime_checkable
class GroupedJudge(Judge, Protocol):
    """A judge that can also grade one transcript against several principles in one call.

    The runner uses :meth:`grade_many` in ``grouped`` mode when the judge has it
    (checked with ``hasattr``). It returns one verdict per principle, matched to the
    principles by ``principle_id``; a principle missing from the reply is recorded
    as an ``error`` verdict.
    """

    async def grade_many(
        self,
        transcript: Transcript,
        principles: Sequence[Principle],
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Sequence[Verdict]: ...


@runtime_checkable
class EstimatingJudge(Protocol):
    """A judge that can estimate its usage before any spend (``--dry-run``)."""

    async def estimate(
        self,
        transcript: Transcript,
        principles: Sequence[Principle],
        constitution: Constitution,
        *,
        grouped: bool = False,
    ) -> Usage:
        """Tokens and cost of grading ``transcript`` against ``principles`` (no judge call).

        Called once per transcript with the principles still to grade (cache misses);
        the estimate should count a cached transcript prefix as written once and read
        for the other principles, as the judge would actually send it.
        """
        ...


class _Named(Protocol):
    name: str
    model: str
    prompt_version: str


def verdict_provenance(
    judge: _Named,
    transcript: Transcript,
    principle: Principle,
    sample_index: int = 0,
    *,
    principle_hash: str | None = None,
    transcript_hash: str | None = None,
) -> dict[str, Any]:
    """The provenance fields every verdict carries: who judged what, under which key.

    Pass the content hashes when already computed (the runner's cache key has them).
    """
    return {
        "transcript_id": transcript.id,
        "principle_id": principle.id,
        "judge": judge.name,
        "model": judge.model,
        "prompt_version": judge.prompt_version,
        "principle_version": principle.version,
        "principle_hash": principle_hash or principle.content_hash(),
        "transcript_hash": transcript_hash or transcript.content_hash(),
        "sample_index": sample_index,
    }
