"""Shared wording for the human-readable renderings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from checker.results import PrincipleSummary, RunResult
from checker.verdict import Evidence, Outcome, Verdict

RATIONALE_CHARS = 240


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def headline(result: RunResult) -> str:
    run = result.run
    return (
        f"Run {run.id}: {run.constitution_id} {run.constitution_version}, judge "
        f"{run.judge}/{run.model} (prompt {run.prompt_version}), {run.mode}"
        f"{f', {run.samples} samples' if run.samples > 1 else ''}, {run.status}"
    )


def judgments_line(result: RunResult) -> str:
    """What was decided and what was not: ``192 judgments: 23 graded (20 complies,
    3 violates), 24 out of scope, 145 abstained (too few examples, on 14 principles),
    0 errors``. A judge's own ``not_applicable`` is graded; out of scope is the runner's."""
    t = result.totals
    parts = [f"{t.graded} graded{_graded_breakdown(result)}", f"{t.out_of_scope} out of scope"]
    if t.abstained:
        parts.append(f"{t.abstained} abstained ({abstention_reasons(result)})")
    parts.append(plural(t.errors, "error"))
    line = f"{plural(t.judgments, 'judgment')}: {', '.join(parts)}"
    if t.not_graded:
        line += f"; {t.not_graded} more not graded ({t.stopped or 'the run stopped first'})"
    return line


def _graded_breakdown(result: RunResult) -> str:
    counts = Counter({Outcome(k): n for k, n in result.outcomes.items()})
    if not counts:
        counts = Counter(v.outcome for v in result.verdicts)
    judge_na = counts[Outcome.NOT_APPLICABLE] - result.totals.out_of_scope
    parts = [
        f"{counts[Outcome.COMPLIES]} complies",
        f"{counts[Outcome.VIOLATES]} violates",
    ]
    if judge_na > 0:
        parts.append(f"{judge_na} not applicable")
    return f" ({', '.join(parts)})" if result.totals.graded else ""


def abstention_reasons(result: RunResult) -> str:
    """``too few examples, on 14 principles`` (each reason counted when there are several)."""
    groups = result.totals.abstentions
    if len(groups) == 1:
        return f"{groups[0].reason}, on {plural(groups[0].principles, 'principle')}"
    return "; ".join(
        f"{g.judgments} {g.reason}, on {plural(g.principles, 'principle')}" for g in groups
    )


def not_graded(summary: PrincipleSummary) -> bool:
    """No pair of the principle was decided: the judge abstained or failed on all."""
    return bool(summary.pairs) and summary.abstained + summary.errors == summary.pairs


def rate_cell(summary: PrincipleSummary) -> str:
    """The violation rate, or ``not graded`` (never a bare ``-`` for a principle no
    judge decided on)."""
    return "not graded" if not_graded(summary) else percent(summary.violation_rate)


def rate_caption(summary: PrincipleSummary) -> str:
    """``9.1% (1/11), 3 abstained``; ``not graded`` when no pair was decided, ``n/a
    (never applied)`` when every decided pair was not applicable."""
    applicable = summary.complies + summary.violates
    if summary.violation_rate is not None:
        text = f"{summary.violation_rate * 100:.1f}% ({summary.violates}/{applicable})"
    elif not_graded(summary):
        text = "not graded"
    else:
        text = "n/a (never applied)"
    if summary.abstained:
        text += f", {summary.abstained} abstained"
    if summary.errors:
        text += f", {plural(summary.errors, 'error')}"
    return text


def counts_line(result: RunResult) -> str:
    """Pairs, violations, calls and cache hits."""
    t = result.totals
    return (
        f"{plural(t.pairs, 'pair')}: {plural(t.violations, 'violation')}"
        f" ({t.unsupported_violations} without verifiable evidence)"
        + (f", {t.unstable_pairs} unstable" if result.run.samples > 1 else "")
        + f"; {plural(t.calls, 'call')}, {plural(t.cache_hits, 'cache hit')}"
    )


def abstained_by_reason(
    result: RunResult, verdicts: Iterable[Verdict] | None = None
) -> dict[str, list[str]]:
    """The principle ids each abstention reason covers, in the order of ``totals.abstentions``
    (from ``verdicts``, by default the result's)."""
    found: dict[str, list[str]] = {g.reason: [] for g in result.totals.abstentions}
    for verdict in result.verdicts if verdicts is None else verdicts:
        if verdict.outcome is Outcome.ABSTAINED:
            ids = found.setdefault(verdict.abstention or "no reason given", [])
            if verdict.principle_id not in ids:
                ids.append(verdict.principle_id)
    return found


def id_list(ids: list[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def spend_line(result: RunResult) -> str:
    t = result.totals
    return (
        f"tokens: {t.input_tokens:,} input, {t.cache_read_tokens:,} cache read,"
        f" {t.cache_write_tokens:,} cache write, {t.output_tokens:,} output;"
        f" cost ${t.cost_usd:.4f}; {t.wall_s:.1f} s"
    )


def short(text: str, limit: int = RATIONALE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def evidence_line(item: Evidence) -> str:
    return f'[message {item.message_index}] "{short(item.quote, 160)}" ({item.match.value})'
