"""The judge interface every backend implements, and the helpers the runner uses on it.

A judge is anything with :class:`Judge`'s attributes and ``grade``. The rest is
optional and found by duck typing, so a minimal judge stays minimal:

- ``grade_many`` (:class:`GroupedJudge`): one call grades several principles;
- ``estimate`` (:class:`EstimatingJudge`): tokens and cost before any spend;
- ``aclose``: release clients (:func:`close_judge` calls it when present);
- ``run_stats`` (:class:`ReportsRunStats`): run-level figures such as a cascade's
  screening counts, which the runner records in the run's totals
  (:func:`run_stats_of`);
- ``server``: the normalised base URL of the server that judges (``""`` in-process);
- ``batching`` (:class:`checker.judges._batching.Batching`): grading through the
  provider's batch engine (``--batch``); :func:`checker.judges.batching_of` finds it.

:class:`JudgeBase` gives the optional members their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class JudgeRunStats:
    """Run-level figures a judge reports when a run ends.

    ``key`` names the entry of the run's totals that holds them (``cascade`` for
    :class:`checker.results.CascadeTotals`); figures under a key the totals do not
    have are not recorded. ``labels`` are kept as they are; ``counts`` are added to
    a resumed run's.
    """

    key: str
    labels: Mapping[str, str] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)

    def merged(self, before: Mapping[str, Any] | None) -> dict[str, Any]:
        """These figures plus a resumed run's (``before``, as stored)."""
        previous = before or {}
        counts = {k: v + int(previous.get(k) or 0) for k, v in self.counts.items()}
        return {**self.labels, **counts}


@runtime_checkable
class ReportsRunStats(Protocol):
    """A judge with run-level statistics (the runner records them in the totals)."""

    def run_stats(self) -> JudgeRunStats | None: ...


class JudgeBase:
    """Defaults for the optional members of a judge (subclass it, or write them out)."""

    server: str = ""
    """Normalised base URL of the server that judges; ``""`` for in-process judges."""
    batching: Any = None
    """The batching capability (:class:`checker.judges.Batching`); None: cannot batch."""

    async def aclose(self) -> None:
        """Release the judge's clients (nothing to release here)."""

    def run_stats(self) -> JudgeRunStats | None:
        """Run-level statistics (none here)."""
        return None


async def close_judge(judge: object) -> None:
    """Call the judge's ``aclose`` when it has one."""
    closer = getattr(judge, "aclose", None)
    if closer is not None:
        await closer()


def run_stats_of(judge: object) -> JudgeRunStats | None:
    """The judge's run-level statistics, or None when it reports none."""
    report = getattr(judge, "run_stats", None)
    return report() if callable(report) else None


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
