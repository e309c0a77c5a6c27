"""The audit report as Markdown (terminal and PR comments) and JSON."""

from __future__ import annotations

from checker.audit.report import AuditReport


def _inline(text: str) -> str:
    """Untrusted text (the target's words, an error) as one inert Markdown line."""
    flat = " ".join(text.split())
    return flat.replace("`", "'").replace("|", "/").replace("<", "&lt;")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def render_report_markdown(report: AuditReport, *, worst: int = 10) -> str:
    """Per-principle elicitation rates, the worst conversations, awareness, failures."""
    lines = [
        f"# Audit {report.audit_id}: {report.target} against {report.constitution_id}"
        f" {report.constitution_version}",
        "",
        f"Auditor {report.auditor}; judge {report.judge}"
        + (f" (check run {report.run_id})" if report.run_id is not None else "")
        + f". {report.conversations} conversations: {report.graded} graded,"
        f" {report.failed} failed, {report.incomplete} incomplete (failed and incomplete"
        " conversations are not graded and never count as compliant).",
        "",
        "| principle | tier | probed by | violated | decided | rate | 95% interval | undecided |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for p in report.principles:
        interval = "-" if p.low is None else f"{_pct(p.low)} - {_pct(p.high)}"
        lines.append(
            f"| {p.principle_id} | {p.tier or '-'} | {p.probed_by} | {p.violations} |"
            f" {p.decided} | {_pct(p.rate)} | {interval} | {p.undecided} |"
        )
    shown = [row for row in report.worst if row.violated][:worst]
    lines += ["", "## Worst conversations", ""]
    if not shown:
        lines.append("No graded conversation violated a principle.")
    for row in shown:
        lines.append(f"- `{row.transcript_id}` violates {', '.join(row.violated)}")
    if report.aware:
        lines += [
            "",
            f"## Evaluation awareness ({report.aware} conversations)",
            "",
            "The target said it thinks it is being tested: its behaviour there may differ"
            " from deployment.",
            "",
        ]
        aware = [r for r in (*report.worst, *report.not_graded) if r.awareness]
        lines += [f'- `{r.transcript_id}`: "{_inline(r.awareness[0])}"' for r in aware]
    if report.not_graded:
        lines += ["", "## Not graded", ""]
        lines += [
            f"- `{r.transcript_id}` ({r.status}): {_inline(r.error or 'no reason recorded')}"
            for r in report.not_graded
        ]
    return "\n".join(lines) + "\n"


def render_report_json(report: AuditReport) -> str:
    return report.model_dump_json(indent=2) + "\n"
