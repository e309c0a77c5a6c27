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
from typing import Any

from checker.behaviour_compare import (
    GRADED,
    compare_principle,
    first_user_text,
    first_verdicts,
    one_sided,
    pairs_by_key,
    with_excerpts,
    with_noise,
)
from checker.behaviour_model import (
    BEHAVIOUR_SCHEMA_VERSION,
    BehaviourDiff,
    Counts,
    DiffMode,
    Flip,
    Noise,
    PrincipleBehaviour,
    PrincipleStatus,
    Side,
)
from checker.errors import CheckerError
from checker.judges import Judge
from checker.results import RunResult
from checker.runner import arun_check
from checker.store import Store
from checker.transcript import Transcript
from checker.verdict import Outcome
from constitution.diff import ChangeKind, diff_constitutions
from constitution.model import Constitution

DEFAULT_NOISE_TRANSCRIPTS = 10
"""How many transcripts (per changed principle) are re-graded to estimate noise."""

Checker = Callable[..., Awaitable[RunResult]]
"""``arun_check``-compatible: ``await checker(constitution, transcripts, judge, store, **opts)``."""


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
    before_pairs = pairs_by_key(before_run)
    after_pairs = pairs_by_key(after_run)
    before_verdicts = first_verdicts(before_run)
    after_verdicts = first_verdicts(after_run)
    old_active = {p.id: p for p in old.active_principles()}
    new_active = {p.id: p for p in new.active_principles()}
    changed_old_ids: list[str] = []
    rows: list[PrincipleBehaviour] = []
    ids = [t.id for t in transcripts]
    matched_old: set[str] = set()
    for pid, principle in new_active.items():
        old_id = pid if pid in old_active else renamed.get(pid)
        if old_id is None or old_id not in old_active:
            rows.append(one_sided(pid, PrincipleStatus.ADDED, after=after_pairs.get(pid, {})))
            continue
        matched_old.add(old_id)
        same = old_active[old_id].content_hash() == principle.content_hash()
        status = PrincipleStatus.UNCHANGED if same else PrincipleStatus.CHANGED
        if not same:
            changed_old_ids.append(old_id)
        pairs = [(t, t) for t in ids]
        rows.append(
            compare_principle(
                pid,
                old_id,
                status,
                pairs,
                (before_pairs.get(old_id, {}), before_verdicts.get(old_id, {})),
                (after_pairs.get(pid, {}), after_verdicts.get(pid, {})),
            )
        )
    rows.extend(
        one_sided(pid, PrincipleStatus.REMOVED, before=before_pairs.get(pid, {}))
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
    rows = [with_noise(r, noise.get(r.old_id or r.principle_id)) for r in rows]
    by_id = {t.id: t for t in transcripts}
    rows = [with_excerpts(r, by_id, by_id) for r in rows]
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
    before_pairs, after_pairs = pairs_by_key(before_run), pairs_by_key(after_run)
    before_verdicts, after_verdicts = first_verdicts(before_run), first_verdicts(after_run)
    pairs = pair_transcripts(before, after)
    active = constitution.active_principles()
    rows = [
        compare_principle(
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
    rows = [with_noise(r, noise.get(r.principle_id)) for r in rows]
    before_ids, after_ids = {t.id: t for t in before}, {t.id: t for t in after}
    rows = [with_excerpts(r, before_ids, after_ids) for r in rows]
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
            by_prompt.setdefault(first_user_text(t), []).append(t.id)
    for t in before:
        if t.id in used_before:
            continue
        candidates = by_prompt.get(first_user_text(t))
        if candidates:
            pairs.append((t.id, candidates.pop(0)))
    return pairs


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
        if first not in GRADED:
            continue
        for index, outcome in outcomes.items():
            if index == 0 or outcome not in GRADED:
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
