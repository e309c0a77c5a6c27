"""``--fail-on`` gates: whether a run fails a CI check, and why.

- ``violates`` fails when a pair's outcome is ``violates``, and also when more
  judgments errored than ``allow_errors`` permits: a gate that could not see does
  not pass. Abstentions do not fail it (they are reported).
- ``error`` fails when more judgments errored than ``allow_errors`` permits.
- ``abstained`` fails when any judgment abstained.
- every gate fails when judgments were left not graded (the spending cap stopped
  the run first).

Every failure comes with a sentence saying what failed it.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from checker.errors import CheckerError
from checker.results import RunResult


class Gate(StrEnum):
    VIOLATES = "violates"
    ERROR = "error"
    ABSTAINED = "abstained"


def gate_failures(
    result: RunResult, fail_on: Collection[Gate | str], allow_errors: int = 0
) -> list[str]:
    """Why ``result`` fails the gates in ``fail_on`` (empty: it passes)."""
    if allow_errors < 0:
        raise CheckerError(f"--allow-errors must be 0 or more, not {allow_errors}")
    gates = {Gate(g) for g in fail_on}
    t = result.totals
    reasons: list[str] = []
    if Gate.VIOLATES in gates and result.has_violations:
        violated = sorted({p.principle_id for p in result.principles if p.violates})
        reasons.append(
            f"--fail-on violates: {_n(t.violations, 'pair')} violate"
            f"{'s' if t.violations == 1 else ''} {_names(violated)}"
        )
    error_gate = next((g for g in (Gate.VIOLATES, Gate.ERROR) if g in gates), None)
    if error_gate is not None and t.errors > allow_errors:
        reasons.append(
            f"--fail-on {error_gate.value}: {t.errors} of {_n(t.judgments, 'judgment')} errored"
            f" and --allow-errors permits {allow_errors}: a gate that could not see does not pass"
        )
    if gates and t.not_graded:
        reasons.append(
            f"--fail-on {', '.join(sorted(g.value for g in gates))}: {_n(t.not_graded, 'judgment')}"
            f" not graded ({t.stopped or 'the run stopped first'}): a gate that could not see"
            " does not pass"
        )
    if Gate.ABSTAINED in gates and t.abstained:
        groups = "; ".join(f"{g.reason}: {g.judgments}" for g in t.abstentions)
        reasons.append(
            f"--fail-on abstained: the judge abstained on {t.abstained} of"
            f" {_n(t.judgments, 'judgment')} ({groups})"
        )
    return reasons


def gate_notes(
    result: RunResult, fail_on: Collection[Gate | str], allow_errors: int = 0
) -> list[str]:
    """What a gate let through without failing: permitted errors, abstentions."""
    gates = {Gate(g) for g in fail_on}
    if not gates:
        return []
    t = result.totals
    notes: list[str] = []
    if t.errors and t.errors <= allow_errors and gates & {Gate.VIOLATES, Gate.ERROR}:
        notes.append(
            f"{t.errors} of {_n(t.judgments, 'judgment')} errored (--allow-errors {allow_errors})"
        )
    if t.abstained and Gate.ABSTAINED not in gates:
        notes.append(
            f"{t.abstained} of {_n(t.judgments, 'judgment')} abstained and were not graded"
            " (--fail-on abstained fails on them)"
        )
    return notes


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _names(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


__all__ = ["Gate", "gate_failures", "gate_notes"]
