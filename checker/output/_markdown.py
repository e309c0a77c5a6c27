"""Markdown rendering for pull-request comments and job summaries."""

from __future__ import annotations

from checker.output._safe import markdown_text
from checker.output._text import (
    abstained_by_reason,
    counts_line,
    headline,
    id_list,
    judgments_line,
    rate_cell,
    short,
    spend_line,
)
from checker.results import RunResult
from checker.verdict import Outcome


def _cell(text: str) -> str:
    """Untrusted text in a table cell: no HTML, no control or bidi characters, no links."""
    escaped = markdown_text(short(text)).replace("\\", "\\\\").replace("|", "\\|")
    return escaped.replace("[", "\\[").replace("]", "\\]")


def _code(text: str) -> str:
    """An id as inline code (a backtick cannot end the span early)."""
    return "`" + markdown_text(text).replace("`", "'").replace("|", "\\|") + "`"


def render_markdown(result: RunResult) -> str:
    lines = [
        f"## {_cell(headline(result))}",
        "",
        f"{_cell(judgments_line(result))}.",
        "",
        f"{counts_line(result).capitalize()}.",
        "",
        f"{spend_line(result).capitalize()}.",
        "",
        "| Principle | Pairs | Complies | Violates | N/A | Abstained | Errors | Violation rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in result.principles:
        lines.append(
            f"| {_code(p.principle_id)} | {p.pairs} | {p.complies} | {p.violates} |"
            f" {p.not_applicable} | {p.abstained} | {p.errors} | {rate_cell(p)} |"
        )
    if result.worst_transcripts:
        lines += [
            "",
            "### Worst transcripts",
            "",
            "| Transcript | Violations | Errors | Principles |",
        ]
        lines.append("|---|---:|---:|---|")
        for t in result.worst_transcripts:
            principles = ", ".join(_code(p) for p in t.violated)
            named = _cell(result.named(t.transcript_id))
            lines.append(f"| {named} | {t.violations} | {t.errors} | {principles} |")
    findings = [v for v in result.verdicts if v.outcome in (Outcome.VIOLATES, Outcome.ERROR)]
    if findings:
        lines += ["", "### Findings", "", "| Transcript | Principle | Outcome | Why | Evidence |"]
        lines.append("|---|---|---|---|---|")
        for v in findings:
            outcome = v.outcome.value
            if v.unsupported_violation:
                outcome += " (no verifiable evidence)"
            why = v.error if v.outcome is Outcome.ERROR else v.rationale
            evidence = "<br>".join(
                f"msg {e.message_index}: “{_cell(short(e.quote, 120))}” ({e.match.value})"
                for e in v.evidence
            )
            lines.append(
                f"| {_cell(result.named(v.transcript_id))} | {_code(v.principle_id)} | {outcome} |"
                f" {_cell(why or '')} | {evidence} |"
            )
    lines += _abstentions(result)
    return "\n".join(lines) + "\n"


def _abstentions(result: RunResult) -> list[str]:
    if not result.totals.abstained:
        return []
    groups = {g.reason: g.judgments for g in result.totals.abstentions}
    lines = [
        "",
        "### Abstained",
        "",
        "Not graded: an abstention is neither a pass, a violation nor “not applicable”.",
        "",
        "| Reason | Judgments | Principles |",
        "|---|---:|---|",
    ]
    for reason, ids in abstained_by_reason(result).items():
        principles = id_list([_code(i) for i in ids])
        lines.append(f"| {_cell(reason)} | {groups.get(reason, 0)} | {principles} |")
    return lines
