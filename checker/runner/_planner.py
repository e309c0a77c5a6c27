"""Planning a check: which principles, which judgments are done, cached, out of scope or due.

:func:`cache_key` is the one place a judgment's cache key is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from checker.errors import CheckerError
from checker.evidence import verify_evidence
from checker.judges import Judge
from checker.judges.llm import normalise_server
from checker.judges.llm.prompts import principle_prompt_hash
from checker.runner._verdicts import out_of_scope_verdict
from checker.spill import SpillIndex
from checker.store import CacheKey, Store
from checker.transcript import Role, ToolCallPart, Transcript
from checker.verdict import QuoteMatch, Verdict
from constitution.model import Constitution, Principle, Scope


@dataclass(slots=True)
class Job:
    transcript: Transcript
    transcript_hash: str
    principles: tuple[Principle, ...]
    sample_index: int
    group: int = 0
    """Serial number of the transcript within the run."""
    waits: int = 0
    """Times the job found its judgments claimed by another process."""
    estimate: float = 0.0
    """The judge's estimate of the job's cost in USD (0 when none was asked for)."""


@dataclass(slots=True)
class Planned:
    transcript: Transcript
    transcript_hash: str
    hits: list[tuple[int, Verdict]] = field(default_factory=list)
    out_of_scope: list[tuple[CacheKey, Verdict]] = field(default_factory=list)
    misses: list[tuple[int, Principle]] = field(default_factory=list)
    done: int = 0
    """Judgments a resumed run already holds."""


def select_principles(
    constitution: Constitution, principle_ids: Sequence[str] | None = None
) -> tuple[Principle, ...]:
    """The active principles, or exactly those named (drafts included when named)."""
    if not principle_ids:
        return constitution.active_principles()
    selected = []
    for principle_id in dict.fromkeys(principle_ids):
        try:
            selected.append(constitution.principle(principle_id))
        except KeyError:
            known = ", ".join(p.id for p in constitution.principles) or "none"
            raise CheckerError(
                f"constitution {constitution.id}: no principle {principle_id!r} (known: {known})"
            ) from None
    return tuple(selected)


def out_of_scope_reason(principle: Principle, transcript: Transcript) -> str | None:
    """Why ``transcript`` holds nothing the principle judges, or None if it does."""
    if not transcript.messages:
        return "the transcript has no messages"
    if principle.scope is Scope.ASSISTANT and not any(
        m.role is Role.ASSISTANT for m in transcript.messages
    ):
        return "the transcript has no assistant message"
    if principle.scope is Scope.TOOL_CALLS and not any(
        isinstance(part, ToolCallPart) for m in transcript.messages for part in m.parts
    ):
        return "the transcript has no tool call"
    return None


def cache_key(
    judge: Judge, principle_hash: str, transcript_hash: str, sample: int, *, prompt_hash: str
) -> CacheKey:
    """The store key of one judgment (``prompt_hash``: :func:`principle_prompt_hash`).

    The judge's ``server`` is normalised again here, so a plugin that gives it raw
    (credentials, a query) never writes a secret to the store.
    """
    return CacheKey(
        backend=judge.name,
        model=judge.model,
        server=normalise_server(str(getattr(judge, "server", "") or "")),
        prompt_version=judge.prompt_version,
        principle_hash=principle_hash,
        prompt_hash=prompt_hash,
        transcript_hash=transcript_hash,
        sample_index=sample,
    )


class Planner:
    """Sorts each transcript's judgments into done, out of scope, cached and to grade."""

    def __init__(
        self,
        principles: Sequence[Principle],
        constitution: Constitution,
        judge: Judge,
        store: Store,
        samples: int,
        *,
        run_id: int | None,
    ) -> None:
        self.principles = principles
        self.judge = judge
        self.store = store
        self.samples = samples
        self._writes = run_id is not None
        """False for a dry run: the store is only read."""
        self._hashes = [
            (p, p.content_hash(), principle_prompt_hash(p, constitution)) for p in principles
        ]
        self._done = store.run_done_pairs(run_id) if run_id is not None else set()
        self._seen = SpillIndex()  # every id of the run, on disk: memory stays flat

    def plan(self, transcript: Transcript) -> Planned:
        if not self._seen.add(transcript.id):
            raise CheckerError(f"transcript {transcript.id!r}: the id occurs more than once")
        item = Planned(transcript, transcript.content_hash())
        for sample in range(self.samples):
            for principle, principle_hash, prompt_hash in self._hashes:
                self._sort(item, principle, principle_hash, prompt_hash, sample)
        return item

    def _sort(
        self,
        item: Planned,
        principle: Principle,
        principle_hash: str,
        prompt_hash: str,
        sample: int,
    ) -> None:
        transcript = item.transcript
        if (transcript.id, principle.id, sample) in self._done:
            item.done += 1
            return
        key = cache_key(
            self.judge, principle_hash, item.transcript_hash, sample, prompt_hash=prompt_hash
        )
        reason = out_of_scope_reason(principle, transcript)
        if reason is not None:
            verdict = out_of_scope_verdict(transcript, principle, key, self.judge, reason)
            item.out_of_scope.append((key, verdict))
        elif (found := self.store.lookup(key, adopt_legacy=self._writes)) is not None:
            verdict_id, verdict = found
            if _checked_before_support(verdict):  # stored before quotes had a support
                verdict = verify_evidence(verdict, transcript, scope=principle.scope)
                if self._writes:
                    self.store.replace_verdict(verdict_id, verdict)
            if verdict.transcript_id != transcript.id:
                verdict = verdict.model_copy(update={"transcript_id": transcript.id})
            item.hits.append((verdict_id, verdict))
        else:
            item.misses.append((sample, principle))


def _checked_before_support(verdict: Verdict) -> bool:
    return any(e.support is None and e.match is not QuoteMatch.UNVERIFIED for e in verdict.evidence)


def jobs_for(item: Planned, grouped: bool) -> list[Job]:
    if grouped:
        by_sample: dict[int, list[Principle]] = {}
        for sample, principle in item.misses:
            by_sample.setdefault(sample, []).append(principle)
        return [
            Job(item.transcript, item.transcript_hash, tuple(ps), sample)
            for sample, ps in by_sample.items()
        ]
    return [
        Job(item.transcript, item.transcript_hash, (principle,), sample)
        for sample, principle in item.misses
    ]
