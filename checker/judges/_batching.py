"""The optional batching capability: grading through a provider's batch engine (``--batch``).

A judge that can batch has a ``batching`` attribute implementing :class:`Batching`;
:func:`batching_of` finds it (None otherwise) and :func:`require_batching` turns
its absence into a clear error. The runner (:mod:`checker.runner._batch`) keeps
the books: custom ids stored before a batch is created, resume, retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from checker.errors import JudgeConfigError
from checker.transcript import Transcript
from checker.verdict import Usage, Verdict
from constitution.model import Constitution, Principle

ResultKind = Literal["succeeded", "retry", "failed", "canceled"]


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """A batch as the provider reports it."""

    id: str
    status: str
    """``in_progress``, ``canceling`` or ``ended``."""
    counts: Mapping[str, int]
    """Requests by state (``processing`` until the batch ends, then ``succeeded``, ...)."""
    created_at: str
    expires_at: str
    ended_at: str | None = None

    @property
    def ended(self) -> bool:
        return self.status == "ended"

    @property
    def requests(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "counts": dict(self.counts),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "ended_at": self.ended_at,
        }


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One request's result, read: a reply, or why there is none.

    ``retry``: expired, a transient provider error or a malformed reply (worth a
    follow-up batch); ``failed``: an invalid request (recorded as an error at once);
    ``canceled``: the user canceled the batch (left undone, never retried).
    """

    custom_id: str
    kind: ResultKind
    reply: Any = None
    usage: Usage = field(default_factory=Usage)
    error: str | None = None


@runtime_checkable
class Batching(Protocol):
    """A judge's access to its provider's message batches."""

    max_requests: int
    """Most requests in one batch."""
    max_bytes: int
    """Most bytes of request bodies in one batch."""

    def request(
        self, transcript: Transcript, principle: Principle, constitution: Constitution
    ) -> dict[str, Any]:
        """The request parameters grading ``transcript`` against ``principle``."""
        ...

    async def create(self, requests: Sequence[tuple[str, dict[str, Any]]]) -> BatchInfo:
        """Create a batch of ``(custom id, parameters)``."""
        ...

    async def retrieve(self, batch_id: str) -> BatchInfo: ...

    async def list(self) -> list[BatchInfo]:
        """Every batch the provider lists for this account, newest first."""
        ...

    async def cancel(self, batch_id: str) -> BatchInfo: ...

    def results(self, batch_id: str) -> AsyncIterator[BatchResult]:
        """The results of an ended batch, read."""
        ...

    def verdict(
        self,
        result: BatchResult,
        transcript: Transcript,
        principle: Principle,
        sample_index: int,
    ) -> Verdict:
        """The verdict of a ``succeeded`` result (or an ``error`` verdict with its error)."""
        ...

    def cost(self, usage: Usage) -> float:
        """The cost of ``usage`` at batch prices."""
        ...


def batching_of(judge: object) -> Batching | None:
    """The judge's batching capability, or None when it cannot batch."""
    batching = getattr(judge, "batching", None)
    return batching if isinstance(batching, Batching) else None


def require_batching(judge: object) -> Batching:
    """The judge's batching capability, or a clear error saying it has none."""
    batching = batching_of(judge)
    if batching is None:
        name = getattr(judge, "name", type(judge).__name__)
        raise JudgeConfigError(
            f"the {name} judge cannot grade through a batch API: --batch needs a judge"
            " with the batching capability (see docs/BATCH.md)"
        )
    return batching
