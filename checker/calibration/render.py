"""Calibration and self-test reports as JSON and Markdown (the terminal table is the CLI's).

The JSON documents carry ``"kind"`` (``calibration`` or ``selftest``) and
``"schema_version"``; scores are plain numbers or ``null`` when undefined.
"""

from __future__ import annotations

import json
from typing import Any

from checker.calibration.calibrate import CalibrationReport
from checker.calibration.metrics import LABELS, OUTCOMES, Metrics
from checker.calibration.selftest import PrincipleSelftest, SelftestReport

SCHEMA_VERSION = 2
"""2: ``abstained`` is a judge outcome of its own (a confusion-matrix column, left
out of every score like ``error``); metrics carry ``abstained`` and ``coverage``."""


def calibration_json(report: CalibrationReport) -> str:
    document = {"kind": "calibration", "schema_version": SCHEMA_VERSION}
    document.update(report.model_dump(mode="json"))
    return json.dumps(document, indent=2, ensure_ascii=False)


def selftest_json(report: SelftestReport) -> str:
    document: dict[str, Any] = {"kind": "selftest", "schema_version": SCHEMA_VERSION}
    document.update(report.model_dump(mode="json"))
    document["passed"] = report.passed
    document["failed"] = [p.principle_id for p in report.failed]
    document["untested"] = [p.principle_id for p in report.untested]
    document["skipped"] = [e.transcript_id for e in report.skipped]
    return json.dumps(document, indent=2, ensure_ascii=False)


def fmt(value: float | None, digits: int = 3) -> str:
    """A score for people: ``0.667``, or ``-`` when undefined."""
    return "-" if value is None else f"{value:.{digits}f}"


def _cell(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("|", "\\|")


def metrics_row(name: str, m: Metrics) -> list[str]:
    return [
        name,
        str(m.pairs),
        str(m.scored),
        fmt(m.coverage),
        str(m.abstained),
        str(m.errors),
        fmt(m.accuracy),
        fmt(m.precision),
        fmt(m.recall),
        fmt(m.f1),
        fmt(m.kappa),
    ]


APPLICABLE_NOTE = "labelled complies or violates"
BASIS_NOTE = (
    "every score is on the decided pairs only (complies, violates or not applicable);"
    " coverage = decided / pairs; abstentions and errors are undecided"
)
METRIC_HEADERS = [
    "principle",
    "pairs",
    "decided",
    "coverage",
    "abstained",
    "errors",
    "accuracy",
    "precision",
    "recall",
    "F1",
    "kappa",
]


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def calibration_markdown(report: CalibrationReport) -> str:
    r = report
    lines = [
        f"# Calibration: {r.constitution_id} {r.constitution_version}",
        "",
        f"Judge `{r.judge}/{r.model}` (prompt {r.prompt_version}), {r.samples} sample(s) per"
        f" pair; {r.compared} of {r.labels} labels compared, {len(r.stale)} stale,"
        f" {len(r.unmatched)} without a transcript. Positive class: `violates`.",
        "",
        f"Basis: {BASIS_NOTE}.",
        "",
    ]
    rows = [metrics_row(p.principle_id, p.metrics) for p in r.principles]
    rows.append(metrics_row("**all**", r.overall))
    lines += _table(METRIC_HEADERS, rows)
    lines += ["", f"Where the human label says the principle applies ({APPLICABLE_NOTE}):", ""]
    rows = [metrics_row(p.principle_id, p.applicable) for p in r.principles]
    rows.append(metrics_row("**all**", r.overall_applicable))
    lines += _table(METRIC_HEADERS, rows)
    for p in r.principles:
        lines += ["", f"## {p.principle_id} (version {p.version}): human label x judge", ""]
        lines += _table(
            ["human \\ judge", *OUTCOMES],
            [[label, *(str(p.confusion[label][o]) for o in OUTCOMES)] for label in LABELS],
        )
    if r.disagreements:
        lines += ["", f"## Disagreements ({len(r.disagreements)})", ""]
        lines += _table(
            ["transcript", "principle", "human", "judge", "rationale"],
            [
                [_cell(d.transcript_id), d.principle_id, d.human, d.judge, _cell(d.rationale)]
                for d in r.disagreements
            ],
        )
    if r.stale:
        lines += ["", f"## Stale labels ({len(r.stale)}): left out", ""]
        lines += [
            f"- `{s.source}` {s.transcript_id} / {s.principle_id}: {s.reason}" for s in r.stale
        ]
    if r.unmatched:
        lines += ["", f"## Labels without a transcript ({len(r.unmatched)}): left out", ""]
        lines += [f"- `{u.source}` {u.transcript_id} / {u.principle_id}" for u in r.unmatched]
    if r.unstable:
        lines += ["", f"{r.unstable} compared pair(s) were unstable across samples."]
    return "\n".join(lines) + "\n"


def selftest_status(p: PrincipleSelftest) -> str:
    """``pass``, ``FAIL`` or ``untested`` (no example could be graded)."""
    if not p.tested:
        return "untested"
    return "pass" if p.passed else "FAIL"


def selftest_row(p: PrincipleSelftest) -> list[str]:
    right = sum(e.passed for e in p.graded)
    skipped = len(p.examples) - len(p.graded)
    return [
        p.principle_id,
        str(p.version),
        f"{right}/{len(p.graded)}",
        str(skipped),
        selftest_status(p),
    ]


SELFTEST_HEADERS = ["principle", "version", "right", "skipped", "status"]


def selftest_markdown(report: SelftestReport) -> str:
    r = report
    verdict = "PASS" if r.passed else f"FAIL: {len(r.failed)} principle(s) misjudged"
    lines = [
        f"# Self-test: {r.constitution_id} {r.constitution_version}: {verdict}",
        "",
        f"Judge `{r.judge}/{r.model}` (prompt {r.prompt_version}); {r.examples} examples"
        f" graded, {len(r.skipped)} skipped; {len(r.untested)} principle(s) untested.",
        "",
    ]
    lines += _table(SELFTEST_HEADERS, [selftest_row(p) for p in r.principles])
    if r.failed:
        lines += ["", "## Misjudged examples", ""]
        lines += _table(
            ["example", "source", "expected", "judge", "rationale"],
            [
                [e.transcript_id, e.source, e.expected, e.judged, _cell(e.rationale)]
                for p in r.failed
                for e in p.failures
            ],
        )
    if r.skipped:
        lines += ["", "## Examples not graded", ""]
        lines += [f"- {e.transcript_id} ({e.source}): {e.skipped}" for e in r.skipped]
    return "\n".join(lines) + "\n"
