"""What ``check`` and ``report`` say on stderr after a run: the summary, the judge's
run statistics, and the ``--fail-on`` gates (exit 1, saying why, when one fails)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from checker.gate import Gate, gate_failures, gate_notes
from checker.output import judgments_line, rate_caption, visible
from checker.results import RunResult

EXIT_FAIL_ON = 1


def print_summary(err: Console, result: RunResult) -> None:
    t = result.totals
    err.print(
        f"run {result.run.id}: {visible(judgments_line(result))}", soft_wrap=True, markup=False
    )
    violations = f"{t.violations} violation{'' if t.violations == 1 else 's'}"
    err.print(f"  {violations}, {t.calls} calls, {t.cache_hits} cached, ${t.cost_usd:.4f}")
    for p in result.principles:
        err.print(visible(f"  {p.principle_id}: {rate_caption(p)}"), markup=False)
    if result.worst_transcripts:
        worst = ", ".join(
            f"{w.transcript_id} ({w.violations})" for w in result.worst_transcripts[:5]
        )
        err.print(visible(f"  worst: {worst}", keep_newlines=False), markup=False)


def print_judge_notes(err: Console, result: RunResult) -> None:
    """One line per run-level statistic the judge reported (a cascade's savings, ...)."""
    for note in result.totals.judge_notes():
        err.print(visible(note), soft_wrap=True, markup=False)


def exit_for_gates(
    err: Console, result: RunResult, fail_on: list[Gate] | None, allow_errors: int
) -> None:
    """Say what the gates let through, and exit 1 (saying why) when one fails."""
    gates = fail_on or []
    for note in gate_notes(result, gates, allow_errors):
        err.print(visible(f"gate: {note}"), soft_wrap=True, markup=False)
    failures = gate_failures(result, gates, allow_errors)
    for reason in failures:
        err.print(visible(f"gate failed: {reason}"), soft_wrap=True, markup=False)
    if failures:
        sys.stdout.flush()
        raise typer.Exit(EXIT_FAIL_ON)
