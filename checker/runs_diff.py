"""Compare two stored runs as they are: flips per principle, nothing graded again.

Pairs are matched by transcript id. A principle is ``changed`` when the two runs
judged it under different content hashes, ``unchanged`` when the hashes agree,
``added`` or ``removed`` when only one run judged it (a rename shows as both).
With no transcript in common, Fisher's exact test compares the violation rates.
No noise estimate is made (that needs new judge calls).
"""

from __future__ import annotations

from checker.behaviour_diff import (
    BehaviourDiff,
    DiffMode,
    PrincipleBehaviour,
    PrincipleStatus,
    Side,
    compare_principle,
    first_verdicts,
    one_sided,
    pairs_by_key,
    with_noise,
)
from checker.results import RunResult


def _principle_hashes(run: RunResult) -> dict[str, set[str]]:
    hashes: dict[str, set[str]] = {}
    for v in run.verdicts:
        hashes.setdefault(v.principle_id, set()).update({v.principle_hash} - {""})
    return hashes


def _side(label: str, run: RunResult) -> Side:
    return Side(
        label=label,
        constitution_id=run.run.constitution_id,
        constitution_version=run.run.constitution_version,
        transcripts=len({p.transcript_id for p in run.pairs}),
        run_id=run.run.id,
        calls=run.totals.calls,
        cache_hits=run.totals.cache_hits,
    )


def _joined(before: str, after: str) -> str:
    return before if before == after else f"{before} → {after}"


def compare_runs(before: RunResult, after: RunResult) -> BehaviourDiff:
    """The behaviour diff of two stored runs (``before`` first), paired by transcript id."""
    b_pairs, a_pairs = pairs_by_key(before), pairs_by_key(after)
    b_verdicts, a_verdicts = first_verdicts(before), first_verdicts(after)
    b_hashes, a_hashes = _principle_hashes(before), _principle_hashes(after)
    after_ids = {p.transcript_id for p in after.pairs}
    shared = [t for t in dict.fromkeys(p.transcript_id for p in before.pairs) if t in after_ids]
    rows: list[PrincipleBehaviour] = []
    for pid in a_pairs:
        if pid not in b_pairs:
            rows.append(one_sided(pid, PrincipleStatus.ADDED, after=a_pairs[pid]))
            continue
        same = b_hashes.get(pid) == a_hashes.get(pid)
        status = PrincipleStatus.UNCHANGED if same else PrincipleStatus.CHANGED
        rows.append(
            compare_principle(
                pid,
                None,
                status,
                [(t, t) for t in shared],
                (b_pairs[pid], b_verdicts.get(pid, {})),
                (a_pairs[pid], a_verdicts.get(pid, {})),
                unpaired_test=not shared,
            )
        )
    rows.extend(
        one_sided(pid, PrincipleStatus.REMOVED, before=b_pairs[pid])
        for pid in b_pairs
        if pid not in a_pairs
    )
    b_run, a_run = before.run, after.run
    return BehaviourDiff(
        mode=DiffMode.RUNS,
        judge=_joined(b_run.judge, a_run.judge),
        model=_joined(b_run.model, a_run.model),
        prompt_version=_joined(b_run.prompt_version, a_run.prompt_version),
        before=_side(f"run {b_run.id}", before),
        after=_side(f"run {a_run.id}", after),
        principles=tuple(with_noise(r, None) for r in rows),
    )


__all__ = ["compare_runs"]
