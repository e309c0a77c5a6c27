"""Plain-text rendering: totals, a per-principle table, worst transcripts, findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from checker.output._safe import visible
from checker.output._text import (
    abstained_by_reason,
    counts_line,
    evidence_line,
    headline,
    id_list,
    judgments_line,
    plural,
    rate_cell,
    short,
    spend_line,
)
from checker.results import RunResult
from checker.verdict import Outcome, Verdict


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in (header, *rows):
        rest = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in rest]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_table(result: RunResult) -> str:
    text = "\n".join(table_head(result) + _findings(result, lambda: result.verdicts))
    return visible(text) + "\n"  # no escape sequence or bidi override gets through


def table_head(result: RunResult) -> list[str]:
    """Everything but the findings: totals, the per-principle table, worst transcripts."""
    lines = [headline(result), judgments_line(result), counts_line(result), spend_line(result), ""]
    rows = [
        [
            p.principle_id,
            str(p.pairs),
            str(p.complies),
            str(p.violates),
            str(p.not_applicable),
            str(p.abstained),
            str(p.errors),
            rate_cell(p),
        ]
        for p in result.principles
    ]
    header = [
        "principle",
        "pairs",
        "complies",
        "violates",
        "n/a",
        "abstained",
        "errors",
        "violation rate",
    ]
    lines += _table(header, rows)
    if result.worst_transcripts:
        lines += ["", "worst transcripts:"]
        for t in result.worst_transcripts:
            errors = f", {plural(t.errors, 'error')}" if t.errors else ""
            violated = f": {', '.join(t.violated)}" if t.violated else ""
            count = plural(t.violations, "violation")
            lines.append(f"  {result.named(t.transcript_id)}  {count}{errors}{violated}")
    return lines


def table_findings(result: RunResult, verdicts: Callable[[], Iterable[Verdict]]) -> Iterator[str]:
    """The findings (violations, abstentions, errors), one line at a time; ``verdicts``
    gives a fresh pass over the run's verdicts each time it is called."""
    if result.totals.violations or result.outcomes.get(Outcome.VIOLATES.value):
        yield from ("", "violations:")
        for v in verdicts():
            if v.outcome is not Outcome.VIOLATES:
                continue
            score = f" score {v.score:.2f}" if v.score is not None else ""
            flag = "  [no verifiable evidence]" if v.unsupported_violation else ""
            sample = f" sample {v.sample_index}" if result.run.samples > 1 else ""
            yield f"  {result.named(v.transcript_id)} x {v.principle_id}{sample}:{score}{flag}"
            if v.rationale:
                yield f"    {short(v.rationale)}"
            yield from (f"    {evidence_line(e)}" for e in v.evidence)
    if result.totals.abstained:
        yield from ("", "abstained (not graded: neither a pass, a violation nor n/a):")
        groups = {g.reason: g for g in result.totals.abstentions}
        for reason, ids in abstained_by_reason(result, verdicts()).items():
            count = groups[reason].judgments if reason in groups else 0
            yield f"  {reason}: {plural(count, 'judgment')} on {id_list(ids)}"
    if result.totals.errors:
        yield from ("", "errors:")
        for v in verdicts():
            if v.outcome is Outcome.ERROR:
                name = result.named(v.transcript_id)
                yield f"  {name} x {v.principle_id}: {short(v.error or 'error')}"


def _findings(result: RunResult, verdicts: Callable[[], Iterable[Verdict]]) -> list[str]:
    return list(table_findings(result, verdicts))
