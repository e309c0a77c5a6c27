"""JUnit XML: one test suite per principle, one test case per (transcript, principle) pair.

``violates`` is a ``<failure>``, ``error`` an ``<error>``, ``not_applicable`` a
``<skipped message="not applicable">`` and ``abstained`` a ``<skipped message="judge
abstained: REASON">``; CI systems that read JUnit show the pairs as tests. Control
characters (invalid in XML 1.0) and bidi controls in untrusted text are written as
visible escapes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence

from checker.output._safe import visible
from checker.output._text import evidence_line
from checker.results import PairResult, RunResult
from checker.verdict import Outcome, Verdict

_SKIPPED = (Outcome.NOT_APPLICABLE, Outcome.ABSTAINED)


def render_junit(result: RunResult) -> str:
    by_pair: dict[tuple[str, str], list[Verdict]] = defaultdict(list)
    for verdict in result.verdicts:
        by_pair[(verdict.transcript_id, verdict.principle_id)].append(verdict)
    by_principle: dict[str, list[PairResult]] = defaultdict(list)
    for pair in result.pairs:
        by_principle[pair.principle_id].append(pair)
    root = ET.Element("testsuites", name=f"constitution check run {result.run.id}")
    _counts(root, result.pairs)
    for principle_id, pairs in by_principle.items():
        suite = ET.SubElement(root, "testsuite", name=principle_id)
        _counts(suite, pairs)
        for pair in pairs:
            _case(suite, result, pair, by_pair[(pair.transcript_id, pair.principle_id)])
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _counts(element: ET.Element, pairs: Sequence[PairResult]) -> None:
    element.set("tests", str(len(pairs)))
    element.set("failures", str(sum(p.outcome is Outcome.VIOLATES for p in pairs)))
    element.set("errors", str(sum(p.outcome is Outcome.ERROR for p in pairs)))
    element.set("skipped", str(sum(p.outcome in _SKIPPED for p in pairs)))


def _case(suite: ET.Element, result: RunResult, pair: PairResult, samples: list[Verdict]) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"{result.run.constitution_id}.{pair.principle_id}",
        name=visible(pair.transcript_id),
        time=f"{sum(v.latency_s for v in samples):.3f}",
    )
    where = result.locations.get(pair.transcript_id)
    if where:
        file, _, line = where.rpartition(":")
        case.set("file", file if line.isdigit() else where)
        if line.isdigit():
            case.set("line", line)
    if pair.outcome is Outcome.VIOLATES:
        violating = [v for v in samples if v.outcome is Outcome.VIOLATES]
        message = "violates" + (" (no verifiable evidence)" if pair.unsupported_violation else "")
        failure = ET.SubElement(case, "failure", message=message, type="violates")
        failure.text = visible("\n".join(_describe(v) for v in violating))
    elif pair.outcome is Outcome.ERROR:
        error = ET.SubElement(case, "error", message="the judge failed", type="error")
        error.text = visible("\n".join(v.error or "error" for v in samples))
    elif pair.outcome is Outcome.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", message="not applicable")
    elif pair.outcome is Outcome.ABSTAINED:
        reason = visible(f"judge abstained: {pair.abstention}", keep_newlines=False)
        skipped = ET.SubElement(case, "skipped", message=reason)
        skipped.text = visible("\n".join(v.rationale for v in samples if v.rationale))


def _describe(verdict: Verdict) -> str:
    score = f" (score {verdict.score:.2f})" if verdict.score is not None else ""
    lines = [f"{verdict.rationale}{score}"]
    lines += [evidence_line(e) for e in verdict.evidence]
    return "\n".join(lines)
