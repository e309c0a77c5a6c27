"""Behaviour diffs: how verdicts change between two revisions, or two transcript sets.

:func:`diff_behaviour` grades the same transcripts under the old and the new
constitution through the store. The second run reuses every judgment whose cache
key did not change, so only principles whose content hash changed (reworded,
re-tiered, renamed, ...) and new principles cost judge calls. For each principle
present on both sides it lists the verdicts that flipped (complies <-> violates)
with both rationales (a pair the judge abstained on, on either side, is counted
with its reason and left out of the flips and the tests), the violation rate
before and after, a paired exact McNemar p-value, and the judge's own noise: a
sample of transcripts is graded ``samples`` more times under the *old*
principle, and the share of re-gradings that disagree with the first is the flip
rate noise alone would give.

:func:`diff_transcript_sets` does the same for one constitution and two transcript
sets (model A against model B): transcripts are paired by id, then by their first
user message; with no pairs, Fisher's exact test compares the violation rates.

The JSON form of :class:`BehaviourDiff` is versioned by
:data:`BEHAVIOUR_SCHEMA_VERSION` and documented in ``docs/DIFF.md``.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from checker.behaviour_stats import binomial_upper_tail, fisher_exact, mcnemar_exact
from checker.errors import CheckerError
from checker.judges import Judge
from checker.results import PairResult, RunResult
from checker.runner import arun_check
from checker.store import Store
from checker.transcript import Role, Transcript
from checker.verdict import Outcome, Verdict
from constitution.diff import ChangeKind, diff_constitutions
from constitution.model import Constitution

BEHAVIOUR_SCHEMA_VERSION = 1
DEFAULT_NOISE_TRANSCRIPTS = 10
"""How many transcripts (per changed principle) are re-graded to estimate noise."""
ALPHA = 0.05

Checker = Callable[..., Awaitable[RunResult]]
"""``arun_check``-compatible: ``await checker(constitution, transcripts, judge, store, **opts)``."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DiffMode(StrEnum):
    REVISIONS = "revisions"
    TRANSCRIPT_SETS = "transcript_sets"
    RUNS = "runs"
    """Two stored runs compared as they are (``constitution view``): nothing graded."""


class PrincipleStatus(StrEnum):
    CHANGED = "changed"
    """Present on both sides with a different content hash: graded again."""
    UNCHANGED = "unchanged"
    ADDED = "added"
    REMOVED = "removed"


class Flip(_Frozen):
    """One pair whose outcome flipped between complies and violates."""

    before_transcript: str
    after_transcript: str
    before: Outcome
    after: Outcome
    before_rationale: str = ""
    after_rationale: str = ""
    before_score: float | None = None
    after_score: float | None = None
    before_excerpt: str = ""
    """The start of the before transcript's last assistant message (for reviewers)."""
    after_excerpt: str = ""


class Counts(_Frozen):
    complies: int = 0
    violates: int = 0
    not_applicable: int = 0
    errors: int = 0
    abstained: int = 0

    @property
    def violation_rate(self) -> float | None:
        graded = self.complies + self.violates
        return self.violates / graded if graded else None


class Noise(_Frozen):
    """The judge's flip rate when it grades the same pair again, principle unchanged."""

    regradings: int
    """Re-gradings compared with the first grading (complies/violates on both)."""
    disagreements: int

    @property
    def rate(self) -> float | None:
        """None when no re-grading could be compared (e.g. every pair not applicable)."""
        return self.disagreements / self.regradings if self.regradings else None


class PrincipleBehaviour(_Frozen):
    principle_id: str
    """The id on the after side (the before side's for a removed principle)."""
    old_id: str | None = None
    """The before side's id when it differs (a rename)."""
    status: PrincipleStatus
    before: Counts | None = None
    after: Counts | None = None
    before_violation_rate: float | None = None
    after_violation_rate: float | None = None
    paired: int = 0
    """Pairs graded complies or violates on both sides (the McNemar sample)."""
    to_violates: int = 0
    to_complies: int = 0
    outcome_changes: int = 0
    """Pairs whose outcome changed in any way (flips, and to or from not_applicable/error)."""
    flips: tuple[Flip, ...] = ()
    abstained_pairs: int = 0
    """Pairs left out of the comparison because the judge abstained on either side."""
    abstentions: tuple[str, ...] = ()
    """The judge's reasons for those abstentions (distinct, first seen first)."""
    p_value: float | None = None
    """Two-sided exact McNemar p-value (Fisher's exact test for unpaired sets)."""
    noise: Noise | None = None
    noise_p_value: float | None = None
    """P(at least this many flips) if every pair flipped at the noise rate."""
    beyond_noise: bool | None = None
    """Significant (p < 0.05) and more flips than noise alone explains (p < 0.05)."""


class Side(_Frozen):
    label: str
    constitution_id: str
    constitution_version: str
    transcripts: int
    run_id: int
    calls: int
    cache_hits: int


class BehaviourDiff(_Frozen):
    schema_version: int = BEHAVIOUR_SCHEMA_VERSION
    mode: DiffMode
    judge: str
    model: str
    prompt_version: str
    before: Side
    after: Side
    noise_samples: int = 0
    noise_calls: int = 0
    principles: tuple[PrincipleBehaviour, ...] = ()

    @property
    def calls(self) -> int:
        return self.before.calls + self.after.calls + self.noise_calls

    @property
    def flips(self) -> int:
        return sum(len(p.flips) for p in self.principles)

    @property
    def abstained_pairs(self) -> int:
        """Pairs left out of every comparison because the judge abstained."""
        return sum(p.abstained_pairs for p in self.principles)


# -- public entry points ----------------------------------------------------------------


def diff_behaviour(*args: Any, **kwargs: Any) -> BehaviourDiff:
    """Synchronous :func:`adiff_behaviour` (runs its own event loop)."""
    return asyncio.run(adiff_behaviour(*args, **kwargs))


def diff_transcript_sets(*args: Any, **kwargs: Any) -> BehaviourDiff:
    """Synchronous :func:`adiff_transcript_sets` (runs its own event loop)."""
    return asyncio.run(adiff_transcript_sets(*args, **kwargs))


async def adiff_behaviour(
    old: Constitution,
    new: Constitution,
    transcripts: Sequence[Transcript],
    judge: Judge,
    store: Store,
    *,
    samples: int = 2,
    noise_transcripts: int = DEFAULT_NOISE_TRANSCRIPTS,
    checker: Checker = arun_check,
    **options: Any,
) -> BehaviourDiff:
    """Grade ``transcripts`` under ``old`` then ``new`` and compare verdicts per principle.

    ``samples`` is K, the re-gradings per noise-sample pair (0 skips the noise
    estimate); ``options`` go to the checker (``concurrency``, ``mode``, ...).
    """
    if samples < 0:
        raise CheckerError(f"samples must be 0 or more, not {samples}")
    text = diff_constitutions(old, new)
    renamed = {c.principle_id: c.old_id for c in text.changes if c.kind is ChangeKind.RENAMED}
    before_run = await checker(old, transcripts, judge, store, **options)
    after_run = await checker(new, transcripts, judge, store, **options)
    before_pairs = _pairs_by_key(before_run)
    after_pairs = _pairs_by_key(after_run)
    before_verdicts = _first_verdicts(before_run)
    after_verdicts = _first_verdicts(after_run)
    old_active = {p.id: p for p in old.active_principles()}
    new_active = {p.id: p for p in new.active_principles()}
    changed_old_ids: list[str] = []
    rows: list[PrincipleBehaviour] = []
    ids = [t.id for t in transcripts]
    matched_old: set[str] = set()
    for pid, principle in new_active.items():
        old_id = pid if pid in old_active else renamed.get(pid)
        if old_id is None or old_id not in old_active:
            rows.append(_one_sided(pid, PrincipleStatus.ADDED, after=after_pairs.get(pid, {})))
            continue
        matched_old.add(old_id)
        same = old_active[old_id].content_hash() == principle.content_hash()
        status = PrincipleStatus.UNCHANGED if same else PrincipleStatus.CHANGED
        if not same:
            changed_old_ids.append(old_id)
        pairs = [(t, t) for t in ids]
        rows.append(
            _compare(
                pid,
                old_id,
                status,
                pairs,
                (before_pairs.get(old_id, {}), before_verdicts.get(old_id, {})),
                (after_pairs.get(pid, {}), after_verdicts.get(pid, {})),
            )
        )
    rows.extend(
        _one_sided(pid, PrincipleStatus.REMOVED, before=before_pairs.get(pid, {}))
        for pid in old_active
        if pid not in matched_old
    )
    noise, noise_calls = await _estimate_noise(
        old,
        transcripts,
        judge,
        store,
        changed_old_ids,
        samples,
        noise_transcripts,
        checker,
        options,
    )
    rows = [_with_noise(r, noise.get(r.old_id or r.principle_id)) for r in rows]
    by_id = {t.id: t for t in transcripts}
    rows = [_with_excerpts(r, by_id, by_id) for r in rows]
    return BehaviourDiff(
        mode=DiffMode.REVISIONS,
        judge=judge.name,
        model=judge.model,
        prompt_version=judge.prompt_version,
        before=_side("before", old, len(transcripts), before_run),
        after=_side("after", new, len(transcripts), after_run),
        noise_samples=samples,
        noise_calls=noise_calls,
        principles=tuple(rows),
    )


async def adiff_transcript_sets(
    constitution: Constitution,
    before: Sequence[Transcript],
    after: Sequence[Transcript],
    judge: Judge,
    store: Store,
    *,
    samples: int = 2,
    noise_transcripts: int = DEFAULT_NOISE_TRANSCRIPTS,
    labels: tuple[str, str] = ("A", "B"),
    checker: Checker = arun_check,
    **options: Any,
) -> BehaviourDiff:
    """Grade two transcript sets under one constitution and compare them per principle."""
    if samples < 0:
        raise CheckerError(f"samples must be 0 or more, not {samples}")
    before_run = await checker(constitution, before, judge, store, **options)
    after_run = await checker(constitution, after, judge, store, **options)
    before_pairs, after_pairs = _pairs_by_key(before_run), _pairs_by_key(after_run)
    before_verdicts, after_verdicts = _first_verdicts(before_run), _first_verdicts(after_run)
    pairs = pair_transcripts(before, after)
    active = constitution.active_principles()
    rows = [
        _compare(
            p.id,
            None,
            PrincipleStatus.UNCHANGED,
            pairs,
            (before_pairs.get(p.id, {}), before_verdicts.get(p.id, {})),
            (after_pairs.get(p.id, {}), after_verdicts.get(p.id, {})),
            unpaired_test=not pairs,
        )
        for p in active
    ]
    ids = [p.id for p in active]
    noise, noise_calls = await _estimate_noise(
        constitution, before, judge, store, ids, samples, noise_transcripts, checker, options
    )
    rows = [_with_noise(r, noise.get(r.principle_id)) for r in rows]
    before_ids, after_ids = {t.id: t for t in before}, {t.id: t for t in after}
    rows = [_with_excerpts(r, before_ids, after_ids) for r in rows]
    return BehaviourDiff(
        mode=DiffMode.TRANSCRIPT_SETS,
        judge=judge.name,
        model=judge.model,
        prompt_version=judge.prompt_version,
        before=_side(labels[0], constitution, len(before), before_run),
        after=_side(labels[1], constitution, len(after), after_run),
        noise_samples=samples,
        noise_calls=noise_calls,
        principles=tuple(rows),
    )


def pair_transcripts(
    before: Sequence[Transcript], after: Sequence[Transcript]
) -> list[tuple[str, str]]:
    """Match transcripts of two sets: same id first, then the same first user message."""
    after_ids = {t.id for t in after}
    pairs = [(t.id, t.id) for t in before if t.id in after_ids]
    used_before = {a for a, _ in pairs}
    by_prompt: dict[str, list[str]] = {}
    for t in after:
        if t.id not in used_before:
            by_prompt.setdefault(_first_user_text(t), []).append(t.id)
    for t in before:
        if t.id in used_before:
            continue
        candidates = by_prompt.get(_first_user_text(t))
        if candidates:
            pairs.append((t.id, candidates.pop(0)))
    return pairs


# -- comparison ---------------------------------------------------------------------------

PairIndex = dict[str, dict[str, PairResult]]
VerdictIndex = dict[str, dict[str, Verdict]]
_GRADED = (Outcome.COMPLIES, Outcome.VIOLATES)


def _first_user_text(t: Transcript) -> str:
    for m in t.messages:
        if m.role is Role.USER:
            return " ".join(m.text.split())
    return f"\0{t.id}"  # never matches another transcript


def _pairs_by_key(run: RunResult) -> PairIndex:
    out: PairIndex = {}
    for pair in run.pairs:
        out.setdefault(pair.principle_id, {})[pair.transcript_id] = pair
    return out


def _first_verdicts(run: RunResult) -> VerdictIndex:
    out: VerdictIndex = {}
    for v in sorted(run.verdicts, key=lambda v: v.sample_index):
        out.setdefault(v.principle_id, {})[v.transcript_id] = v
    return out


def _counts(pairs: dict[str, PairResult]) -> Counts:
    outcomes = [p.outcome for p in pairs.values()]
    return Counts(
        complies=outcomes.count(Outcome.COMPLIES),
        violates=outcomes.count(Outcome.VIOLATES),
        not_applicable=outcomes.count(Outcome.NOT_APPLICABLE),
        errors=outcomes.count(Outcome.ERROR),
        abstained=outcomes.count(Outcome.ABSTAINED),
    )


def _one_sided(
    pid: str,
    status: PrincipleStatus,
    *,
    before: dict[str, PairResult] | None = None,
    after: dict[str, PairResult] | None = None,
) -> PrincipleBehaviour:
    b = _counts(before) if before is not None else None
    a = _counts(after) if after is not None else None
    return PrincipleBehaviour(
        principle_id=pid,
        status=status,
        before=b,
        after=a,
        before_violation_rate=b.violation_rate if b else None,
        after_violation_rate=a.violation_rate if a else None,
    )


def _compare(
    pid: str,
    old_id: str | None,
    status: PrincipleStatus,
    pairs: Sequence[tuple[str, str]],
    before: tuple[dict[str, PairResult], dict[str, Verdict]],
    after: tuple[dict[str, PairResult], dict[str, Verdict]],
    *,
    unpaired_test: bool = False,
) -> PrincipleBehaviour:
    (b_pairs, b_verdicts), (a_pairs, a_verdicts) = before, after
    flips: list[Flip] = []
    paired = changed = 0
    abstained = 0
    reasons: dict[str, None] = {}
    for b_id, a_id in pairs:
        b, a = b_pairs.get(b_id), a_pairs.get(a_id)
        if b is not None and a is not None and b.outcome is not a.outcome:
            changed += 1
        sides = [p for p in (b, a) if p is not None and p.outcome is Outcome.ABSTAINED]
        if sides:
            abstained += 1
            reasons.update(dict.fromkeys(p.abstention or "no reason given" for p in sides))
            continue
        if b is None or a is None or b.outcome not in _GRADED or a.outcome not in _GRADED:
            continue
        paired += 1
        if b.outcome is a.outcome:
            continue
        bv, av = b_verdicts.get(b_id), a_verdicts.get(a_id)
        flips.append(
            Flip(
                before_transcript=b_id,
                after_transcript=a_id,
                before=b.outcome,
                after=a.outcome,
                before_rationale=bv.rationale if bv else "",
                after_rationale=av.rationale if av else "",
                before_score=b.score,
                after_score=a.score,
            )
        )
    to_v = sum(f.after is Outcome.VIOLATES for f in flips)
    to_c = len(flips) - to_v
    b_counts, a_counts = _counts(b_pairs), _counts(a_pairs)
    if unpaired_test:
        p_value = fisher_exact(
            b_counts.violates,
            b_counts.complies + b_counts.violates,
            a_counts.violates,
            a_counts.complies + a_counts.violates,
        )
    else:
        p_value = mcnemar_exact(to_v, to_c)
    return PrincipleBehaviour(
        principle_id=pid,
        old_id=old_id if old_id != pid else None,
        status=status,
        before=b_counts,
        after=a_counts,
        before_violation_rate=b_counts.violation_rate,
        after_violation_rate=a_counts.violation_rate,
        paired=paired,
        to_violates=to_v,
        to_complies=to_c,
        outcome_changes=changed,
        flips=tuple(flips),
        abstained_pairs=abstained,
        abstentions=tuple(reasons),
        p_value=p_value,
    )


EXCERPT_CHARS = 200


def excerpt(transcript: Transcript | None, limit: int = EXCERPT_CHARS) -> str:
    """The last assistant message's text, whitespace folded, cut to ``limit`` characters."""
    if transcript is None:
        return ""
    replies = [m.text for m in transcript.messages if m.role is Role.ASSISTANT and m.text]
    text = " ".join(replies[-1].split()) if replies else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _with_excerpts(
    row: PrincipleBehaviour, before: dict[str, Transcript], after: dict[str, Transcript]
) -> PrincipleBehaviour:
    if not row.flips:
        return row
    flips = tuple(
        f.model_copy(
            update={
                "before_excerpt": excerpt(before.get(f.before_transcript)),
                "after_excerpt": excerpt(after.get(f.after_transcript)),
            }
        )
        for f in row.flips
    )
    return row.model_copy(update={"flips": flips})


def _with_noise(row: PrincipleBehaviour, noise: Noise | None) -> PrincipleBehaviour:
    if row.p_value is None:
        return row
    update: dict[str, Any] = {"noise": noise}
    significant = row.p_value < ALPHA
    if noise is not None and noise.rate is not None:
        flips = row.to_violates + row.to_complies
        noise_p = binomial_upper_tail(flips, row.paired, noise.rate)
        update["noise_p_value"] = noise_p
        update["beyond_noise"] = significant and noise_p < ALPHA
    else:
        update["beyond_noise"] = significant
    return row.model_copy(update=update)


# -- noise --------------------------------------------------------------------------------


def _noise_sample(transcripts: Sequence[Transcript], size: int) -> list[Transcript]:
    """A deterministic spread of ``size`` transcripts (ordered by a hash of the id)."""
    ranked = sorted(transcripts, key=lambda t: hashlib.sha256(t.id.encode()).hexdigest())
    return ranked[:size]


async def _estimate_noise(
    constitution: Constitution,
    transcripts: Sequence[Transcript],
    judge: Judge,
    store: Store,
    principle_ids: Sequence[str],
    samples: int,
    size: int,
    checker: Checker,
    options: dict[str, Any],
) -> tuple[dict[str, Noise], int]:
    """Re-grade a sample ``samples`` more times under the unchanged principles."""
    if samples == 0 or not principle_ids or size <= 0 or not transcripts:
        return {}, 0
    sample = _noise_sample(transcripts, size)
    run = await checker(
        constitution,
        sample,
        judge,
        store,
        principles=list(principle_ids),
        samples=samples + 1,
        **options,
    )
    grouped: dict[tuple[str, str], dict[int, Outcome]] = {}
    for v in run.verdicts:
        grouped.setdefault((v.principle_id, v.transcript_id), {})[v.sample_index] = v.outcome
    noise: dict[str, list[int]] = {pid: [0, 0] for pid in principle_ids}
    for (pid, _), outcomes in grouped.items():
        first = outcomes.get(0)
        if first not in _GRADED:
            continue
        for index, outcome in outcomes.items():
            if index == 0 or outcome not in _GRADED:
                continue
            noise[pid][0] += 1
            noise[pid][1] += outcome is not first
    estimates = {pid: Noise(regradings=n, disagreements=d) for pid, (n, d) in noise.items()}
    return estimates, run.totals.calls


def _side(label: str, constitution: Constitution, transcripts: int, run: RunResult) -> Side:
    return Side(
        label=label,
        constitution_id=constitution.id,
        constitution_version=constitution.version,
        transcripts=transcripts,
        run_id=run.run.id,
        calls=run.totals.calls,
        cache_hits=run.totals.cache_hits,
    )


__all__ = [
    "BEHAVIOUR_SCHEMA_VERSION",
    "BehaviourDiff",
    "Counts",
    "DiffMode",
    "Flip",
    "Noise",
    "PrincipleBehaviour",
    "PrincipleStatus",
    "Side",
    "adiff_behaviour",
    "adiff_transcript_sets",
    "diff_behaviour",
    "diff_transcript_sets",
    "pair_transcripts",
]
