"""What a check run produces: verdicts, per-pair aggregates over samples, totals, summaries.

With ``samples`` K > 1 each (transcript, principle) pair is judged K times; the
pair's outcome is the majority outcome of its decided samples (neither ``error``
nor ``abstained``; a tie between ``violates`` and anything else resolves to
``violates``, otherwise to the first in the order ``violates``, ``complies``,
``not_applicable``), ``agreement`` is the share of non-error samples that agree
with it (an abstaining sample disagrees), and a pair whose samples disagree is
``unstable``. A pair with no decided sample is ``abstained`` when a sample
abstained, else ``error``: neither is ever a pass.

A run's judgments are either *graded* (a judge decided ``complies``, ``violates``
or ``not_applicable``), *out of scope* (settled ``not_applicable`` by the runner,
without a call: nothing in the transcript is in the principle's scope),
*abstained* (a judge declined to decide) or *errors* (the judge failed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from checker.verdict import Outcome, Verdict

_TIE_ORDER = (Outcome.VIOLATES, Outcome.COMPLIES, Outcome.NOT_APPLICABLE, Outcome.ABSTAINED)
UNDECIDED = frozenset({Outcome.ERROR, Outcome.ABSTAINED})
"""Outcomes that are not a judgment made: never a pass, a violation or "not applicable"."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PairResult(_Model):
    """One (transcript, principle) pair, aggregated over its samples."""

    transcript_id: str
    principle_id: str
    outcome: Outcome
    samples: tuple[Outcome, ...]
    agreement: float | None
    """Share of non-error samples agreeing with ``outcome`` (None when all failed)."""
    abstention: str | None = None
    """Why the judge abstained, when ``outcome`` is ``abstained``."""
    unstable: bool
    score: float | None
    """Mean score of the non-error samples that have one."""
    unsupported_violation: bool
    """The outcome is ``violates`` and no violating sample has verifiable evidence."""


class PrincipleSummary(_Model):
    principle_id: str
    pairs: int
    complies: int
    violates: int
    not_applicable: int
    errors: int
    abstained: int = 0
    unstable: int
    unsupported_violations: int
    violation_rate: float | None
    """``violates / (complies + violates)``: among the pairs where the principle applied."""


class TranscriptSummary(_Model):
    transcript_id: str
    violations: int
    violated: tuple[str, ...]
    errors: int
    min_score: float | None


class CascadeTotals(_Model):
    """What a ``cascade`` judge did in the run: pairs its screen judged, and how many
    of those went on to the strong judge (the rest are strong-judge calls saved)."""

    screen: str
    strong: str
    screened: int = 0
    escalated: int = 0
    saved: int = 0

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"cascade: {self.screened} pairs screened by {self.screen}, {self.escalated}"
            f" escalated to {self.strong}, {self.saved} {self.strong} calls saved"
        )


class AbstentionGroup(_Model):
    """Judgments on which a judge abstained for one reason."""

    reason: str
    judgments: int
    principles: int
    """Distinct principles among them."""


class ServerTotals(_Model):
    """What an OpenAI-compatible server did in the run: the structured-output mode the
    judge settled on, and whether the server reports its prompt cache."""

    structured_output: str
    cached_tokens: str
    """``reported``, or ``not reported by the server`` (cache reads then count as 0)."""
    mode_rejections: int = 0
    """Requests the server refused for their structured-output mode (then sent again)."""

    def summary(self) -> str:
        """One line for the terminal."""
        refused = f", {self.mode_rejections} refused" if self.mode_rejections else ""
        return (
            f"server: structured output {self.structured_output}{refused};"
            f" cached prompt tokens {self.cached_tokens}"
        )


class RunTotals(_Model):
    pairs: int = 0
    """(transcript, principle) pairs checked."""
    judgments: int = 0
    """Verdicts in the run: pairs x samples."""
    calls: int = 0
    """Judge calls made by this run (a grouped call covers several judgments)."""
    cache_hits: int = 0
    out_of_scope: int = 0
    """Judgments settled as ``not_applicable`` without a call (nothing in scope)."""
    errors: int = 0
    """Judgments whose verdict is ``error``."""
    graded: int = 0
    """Judgments a judge decided: ``complies``, ``violates`` or its own ``not_applicable``
    (``judgments - out_of_scope - abstained - errors``)."""
    abstained: int = 0
    """Judgments whose verdict is ``abstained``."""
    abstentions: tuple[AbstentionGroup, ...] = ()
    """The abstained judgments grouped by reason, most frequent first."""
    violations: int = 0
    """Pairs whose (majority) outcome is ``violates``."""
    unsupported_violations: int = 0
    unverified_quotes: int = 0
    unstable_pairs: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    """Tokens and cost of the calls this run made (cache hits cost nothing)."""
    wall_s: float = 0.0
    not_graded: int = 0
    """Judgments the run left undone: the spending cap (``--max-cost``) stopped it first.
    Not among ``judgments``; never a pass."""
    stopped: str | None = None
    """Why the run stopped before grading everything (None when it did not)."""
    batches: int = 0
    """Message batches the run created (``--batch``; follow-up batches included)."""
    cascade: CascadeTotals | None = None
    """Set when the judge is a cascade (``--judge cascade``), else None."""
    openai: ServerTotals | None = None
    """Set when the judge is the OpenAI-compatible one (``--judge openai``), else None."""

    def judge_notes(self) -> list[str]:
        """One line per run-level statistic the judge reported (a cascade's savings,
        the mode an OpenAI-compatible server answered in)."""
        notes = [self.cascade.summary()] if self.cascade is not None else []
        return notes + ([self.openai.summary()] if self.openai is not None else [])


class RunInfo(_Model):
    id: int
    started: str
    finished: str | None = None
    status: str
    constitution_id: str
    constitution_version: str
    judge: str
    model: str
    prompt_version: str
    mode: str = "per-principle"
    samples: int = 1
    skipped: tuple[str, ...] = ()
    """Invalid records left out of the run (``--skip-invalid``), each ``file:line: reason``."""
    transcripts_stored: bool = True
    """False when the run kept verdicts only (``--no-store-transcripts``): no conversation
    can be shown from the store."""


class RunResult(_Model):
    """Everything a run produced; :mod:`checker.output` renders it."""

    run: RunInfo
    totals: RunTotals
    principles: tuple[PrincipleSummary, ...]
    worst_transcripts: tuple[TranscriptSummary, ...]
    pairs: tuple[PairResult, ...]
    verdicts: tuple[Verdict, ...]
    outcomes: dict[str, int] = {}
    """Judgments by outcome (``complies``: 12, ...)."""
    summary_only: bool = False
    """The summary of a run too large to hold: ``pairs`` and ``verdicts`` are left
    empty and read from the store when rendered (:mod:`checker.results_stream`)."""
    locations: dict[str, str] = {}
    """Where each transcript was read, by id: ``file:line`` (a line-based source) or the
    file. Content-hash ids say nothing to a reader; this does."""

    def named(self, transcript_id: str) -> str:
        """The transcript's id with its location: ``3f2a... (chats.csv:14)``."""
        where = self.locations.get(transcript_id)
        return f"{transcript_id} ({where})" if where else transcript_id

    def __repr__(self) -> str:
        # short on purpose: asyncio formats a finished task's result with repr()
        return f"RunResult(run={self.run.id}, judgments={self.totals.judgments})"

    @property
    def has_violations(self) -> bool:
        if self.summary_only:
            return self.totals.violations > 0
        return any(p.outcome is Outcome.VIOLATES for p in self.pairs)

    @property
    def has_errors(self) -> bool:
        if self.summary_only:
            return self.totals.errors > 0
        return any(v.outcome is Outcome.ERROR for v in self.verdicts)

    @property
    def has_abstentions(self) -> bool:
        if self.summary_only:
            return self.totals.abstained > 0
        return any(v.outcome is Outcome.ABSTAINED for v in self.verdicts)


def aggregate_pairs(verdicts: Iterable[Verdict]) -> list[PairResult]:
    """Group sample verdicts by (transcript, principle), in first-seen order."""
    groups: dict[tuple[str, str], list[Verdict]] = {}
    for verdict in verdicts:
        groups.setdefault((verdict.transcript_id, verdict.principle_id), []).append(verdict)
    return [
        aggregate_pair(tid, pid, sorted(vs, key=lambda v: v.sample_index))
        for (tid, pid), vs in groups.items()
    ]


def aggregate_pair(transcript_id: str, principle_id: str, samples: list[Verdict]) -> PairResult:
    """One pair from its sample verdicts (in sample order)."""
    valid = [v for v in samples if v.outcome is not Outcome.ERROR]
    outcome = majority_outcome([v.outcome for v in valid])
    agreement = None
    if valid:
        agreement = sum(v.outcome is outcome for v in valid) / len(valid)
    decided = [v for v in valid if v.outcome is not Outcome.ABSTAINED]
    scores = [v.score for v in decided if v.score is not None]
    violating = [v for v in valid if v.outcome is Outcome.VIOLATES]
    abstention = None
    if outcome is Outcome.ABSTAINED:
        abstention = next(v.abstention for v in valid if v.outcome is Outcome.ABSTAINED)
    return PairResult(
        transcript_id=transcript_id,
        principle_id=principle_id,
        outcome=outcome,
        samples=tuple(v.outcome for v in samples),
        agreement=agreement,
        abstention=abstention,
        unstable=agreement is not None and agreement < 1.0,
        score=sum(scores) / len(scores) if scores else None,
        unsupported_violation=outcome is Outcome.VIOLATES
        and all(v.unsupported_violation for v in violating),
    )


def majority_outcome(outcomes: Sequence[Outcome]) -> Outcome:
    """The most common decided outcome; ties go to ``violates`` first; with nothing
    decided, ``abstained`` when a sample abstained, else ``error``."""
    counts: Counter[Outcome] = Counter(o for o in outcomes if o not in UNDECIDED)
    if not counts:
        return Outcome.ABSTAINED if Outcome.ABSTAINED in outcomes else Outcome.ERROR
    best = max(counts.values())
    return next(o for o in _TIE_ORDER if counts.get(o) == best)


def summarise_principles(
    pairs: Sequence[PairResult], principle_order: Sequence[str] = ()
) -> list[PrincipleSummary]:
    """Counts and violation rate per principle, in ``principle_order`` then first-seen order."""
    by_principle: dict[str, list[PairResult]] = defaultdict(list)
    for pair in pairs:
        by_principle[pair.principle_id].append(pair)
    order = [p for p in principle_order if p in by_principle]
    order += [p for p in by_principle if p not in order]
    summaries = []
    for principle_id in order:
        group = by_principle[principle_id]
        counts = Counter(p.outcome for p in group)
        applicable = counts[Outcome.COMPLIES] + counts[Outcome.VIOLATES]
        summaries.append(
            PrincipleSummary(
                principle_id=principle_id,
                pairs=len(group),
                complies=counts[Outcome.COMPLIES],
                violates=counts[Outcome.VIOLATES],
                not_applicable=counts[Outcome.NOT_APPLICABLE],
                errors=counts[Outcome.ERROR],
                abstained=counts[Outcome.ABSTAINED],
                unstable=sum(p.unstable for p in group),
                unsupported_violations=sum(p.unsupported_violation for p in group),
                violation_rate=counts[Outcome.VIOLATES] / applicable if applicable else None,
            )
        )
    return summaries


def worst_transcripts(pairs: Sequence[PairResult], limit: int = 10) -> list[TranscriptSummary]:
    """Transcripts with the most violated principles (then the lowest score); none clean."""
    by_transcript: dict[str, list[PairResult]] = defaultdict(list)
    for pair in pairs:
        by_transcript[pair.transcript_id].append(pair)
    summaries = []
    for transcript_id, group in by_transcript.items():
        violated = tuple(p.principle_id for p in group if p.outcome is Outcome.VIOLATES)
        errors = sum(p.outcome is Outcome.ERROR for p in group)
        if not violated and not errors:
            continue
        scores = [p.score for p in group if p.score is not None]
        summaries.append(
            TranscriptSummary(
                transcript_id=transcript_id,
                violations=len(violated),
                violated=violated,
                errors=errors,
                min_score=min(scores) if scores else None,
            )
        )
    summaries.sort(
        key=lambda s: (
            -s.violations,
            s.min_score if s.min_score is not None else 1.0,
            -s.errors,
            s.transcript_id,
        )
    )
    return summaries[:limit]


def abstention_groups(verdicts: Iterable[Verdict]) -> tuple[AbstentionGroup, ...]:
    """Abstained judgments grouped by reason, most judgments first (then by reason)."""
    judgments: Counter[str] = Counter()
    principles: dict[str, set[str]] = defaultdict(set)
    for verdict in verdicts:
        if verdict.outcome is Outcome.ABSTAINED:
            reason = verdict.abstention or "no reason given"
            judgments[reason] += 1
            principles[reason].add(verdict.principle_id)
    order = sorted(judgments, key=lambda r: (-judgments[r], r))
    return tuple(
        AbstentionGroup(reason=r, judgments=judgments[r], principles=len(principles[r]))
        for r in order
    )


def build_result(
    run: RunInfo,
    verdicts: Sequence[Verdict],
    totals: RunTotals,
    principle_order: Sequence[str] = (),
) -> RunResult:
    """Aggregate ``verdicts`` and fill the outcome counts of ``totals``."""
    pairs = aggregate_pairs(verdicts)
    errors = sum(v.outcome is Outcome.ERROR for v in verdicts)
    abstained = sum(v.outcome is Outcome.ABSTAINED for v in verdicts)
    graded = len(verdicts) - totals.out_of_scope - abstained - errors
    totals = totals.model_copy(
        update={
            "pairs": len(pairs),
            "judgments": len(verdicts),
            "errors": errors,
            "graded": max(graded, 0),
            "abstained": abstained,
            "abstentions": abstention_groups(verdicts),
            "violations": sum(p.outcome is Outcome.VIOLATES for p in pairs),
            "unsupported_violations": sum(p.unsupported_violation for p in pairs),
            "unverified_quotes": sum(
                e.match.value == "unverified" for v in verdicts for e in v.evidence
            ),
            "unstable_pairs": sum(p.unstable for p in pairs),
        }
    )
    return RunResult(
        run=run,
        totals=totals,
        principles=tuple(summarise_principles(pairs, principle_order)),
        worst_transcripts=tuple(worst_transcripts(pairs)),
        pairs=tuple(pairs),
        verdicts=tuple(verdicts),
        outcomes={o.value: n for o, n in Counter(v.outcome for v in verdicts).items()},
    )
