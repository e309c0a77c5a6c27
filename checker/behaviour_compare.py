"""Comparing two runs principle by principle: pairs, flips, counts, excerpts.

Shared by :mod:`checker.behaviour_diff` (two revisions or two transcript sets) and
:mod:`checker.runs_diff` (two stored runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker.behaviour_model import Counts, Flip, Noise, PrincipleBehaviour, PrincipleStatus
from checker.behaviour_stats import binomial_upper_tail, fisher_exact, mcnemar_exact
from checker.results import PairResult, RunResult
from checker.transcript import Role, Transcript
from checker.verdict import Outcome, Verdict

ALPHA = 0.05
"""Significance level of the flip tests and of the noise test."""
PairIndex = dict[str, dict[str, PairResult]]

VerdictIndex = dict[str, dict[str, Verdict]]
GRADED = (Outcome.COMPLIES, Outcome.VIOLATES)


def first_user_text(t: Transcript) -> str:
    for m in t.messages:
        if m.role is Role.USER:
            return " ".join(m.text.split())
    return f"\0{t.id}"  # never matches another transcript


def pairs_by_key(run: RunResult) -> PairIndex:
    out: PairIndex = {}
    for pair in run.pairs:
        out.setdefault(pair.principle_id, {})[pair.transcript_id] = pair
    return out


def first_verdicts(run: RunResult) -> VerdictIndex:
    out: VerdictIndex = {}
    for v in sorted(run.verdicts, key=lambda v: v.sample_index):
        out.setdefault(v.principle_id, {})[v.transcript_id] = v
    return out


def counts_of(pairs: dict[str, PairResult]) -> Counts:
    outcomes = [p.outcome for p in pairs.values()]
    return Counts(
        complies=outcomes.count(Outcome.COMPLIES),
        violates=outcomes.count(Outcome.VIOLATES),
        not_applicable=outcomes.count(Outcome.NOT_APPLICABLE),
        errors=outcomes.count(Outcome.ERROR),
        abstained=outcomes.count(Outcome.ABSTAINED),
    )


def one_sided(
    pid: str,
    status: PrincipleStatus,
    *,
    before: dict[str, PairResult] | None = None,
    after: dict[str, PairResult] | None = None,
) -> PrincipleBehaviour:
    b = counts_of(before) if before is not None else None
    a = counts_of(after) if after is not None else None
    return PrincipleBehaviour(
        principle_id=pid,
        status=status,
        before=b,
        after=a,
        before_violation_rate=b.violation_rate if b else None,
        after_violation_rate=a.violation_rate if a else None,
    )


def compare_principle(
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
        if b is None or a is None or b.outcome not in GRADED or a.outcome not in GRADED:
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
    b_counts, a_counts = counts_of(b_pairs), counts_of(a_pairs)
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


def with_excerpts(
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


def with_noise(row: PrincipleBehaviour, noise: Noise | None) -> PrincipleBehaviour:
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
