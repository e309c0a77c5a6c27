"""``audit compare``: two targets, or two revisions, as our behaviour diff.

Conversations are paired by (scenario, sample), which their transcript ids
(``scenario#sample``) carry: only the pairs completed on both sides are compared,
and the rest are counted as left out (a failed conversation is never a pass).
Two audits (two targets) go to :func:`checker.behaviour_diff.adiff_transcript_sets`
under one constitution; one audit under two revisions goes to
:func:`checker.behaviour_diff.adiff_behaviour` (the same conversations, judged
against each revision).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.audit._records import COMPLETE, audit_conversations, get_audit
from checker.behaviour_diff import BehaviourDiff, adiff_behaviour, adiff_transcript_sets
from checker.judges import Judge
from checker.store import Store
from checker.transcript import Transcript
from constitution.model import Constitution


@dataclass(frozen=True)
class AuditComparison:
    diff: BehaviourDiff
    before: list[Transcript]
    after: list[Transcript]
    left_out: tuple[str, ...]
    """``scenario#sample`` ids not completed on both sides."""


def completed(store: Store, audit: int | str) -> dict[str, Transcript]:
    record = get_audit(store, audit)
    return {
        c.transcript.id: c.transcript
        for c in audit_conversations(store, record.id)
        if c.status == COMPLETE
    }


async def acompare_audits(
    constitution: Constitution,
    store: Store,
    before: int | str,
    after: int | str,
    judge: Judge,
    **options: Any,
) -> AuditComparison:
    """Two audits (e.g. two targets on one scenario file) under one constitution."""
    a, b = completed(store, before), completed(store, after)
    ids = [i for i in a if i in b]
    left_out = tuple(sorted(set(a) ^ set(b)))
    labels = (get_audit(store, before).target, get_audit(store, after).target)
    if labels[0] == labels[1]:
        labels = (f"{labels[0]} (audit {before})", f"{labels[1]} (audit {after})")
    first, second = [a[i] for i in ids], [b[i] for i in ids]
    diff = await adiff_transcript_sets(
        constitution, first, second, judge, store, labels=labels, **options
    )
    return AuditComparison(diff, first, second, left_out)


async def acompare_revisions(
    old: Constitution,
    new: Constitution,
    store: Store,
    audit: int | str,
    judge: Judge,
    **options: Any,
) -> AuditComparison:
    """One audit's conversations judged against two revisions of the constitution."""
    transcripts = list(completed(store, audit).values())
    diff = await adiff_behaviour(old, new, transcripts, judge, store, **options)
    return AuditComparison(diff, transcripts, transcripts, ())
