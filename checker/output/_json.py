"""JSON and JSON Lines renderings of a run (schema documented in ``docs/VERDICT.md``)."""

from __future__ import annotations

import json
from typing import Any

from checker.results import RunResult
from checker.verdict import VERDICT_SCHEMA_VERSION, Verdict

RUN_SCHEMA = "constitution.check-run"
RUN_SCHEMA_VERSION = 2
"""Version of the run document written by ``--format json``; bumped on any breaking change.

2: ``abstained`` outcomes (verdict schema 2) in verdicts, pairs and per-principle
counts; totals split judgments into graded, out of scope, abstained and errors."""


def verdict_record(verdict: Verdict) -> dict[str, Any]:
    """A verdict's JSON object plus the derived ``unsupported_violation`` flag."""
    record = verdict.model_dump(mode="json")
    record["unsupported_violation"] = verdict.unsupported_violation
    return record


def verdict_from_record(record: dict[str, Any]) -> Verdict:
    """A verdict read back from a ``json`` or ``jsonl`` record (``run_id`` and the
    derived ``unsupported_violation`` are dropped; the latter is recomputed)."""
    return Verdict.model_validate({k: v for k, v in record.items() if k != "run_id"})


def run_document(result: RunResult) -> dict[str, Any]:
    """The whole run: info, totals, summaries, aggregated pairs and every verdict."""
    return {
        "schema": RUN_SCHEMA,
        "schema_version": RUN_SCHEMA_VERSION,
        "verdict_schema_version": VERDICT_SCHEMA_VERSION,
        "run": result.run.model_dump(mode="json"),
        "totals": result.totals.model_dump(mode="json"),
        "principles": [p.model_dump(mode="json") for p in result.principles],
        "worst_transcripts": [t.model_dump(mode="json") for t in result.worst_transcripts],
        "pairs": [p.model_dump(mode="json") for p in result.pairs],
        "verdicts": [verdict_record(v) for v in result.verdicts],
    }


def render_json(result: RunResult) -> str:
    return json.dumps(run_document(result), indent=2, ensure_ascii=False) + "\n"


def render_jsonl(result: RunResult) -> str:
    """One verdict per line, each tagged with its ``run_id``."""
    lines = []
    for verdict in result.verdicts:
        record = {"run_id": result.run.id, **verdict_record(verdict)}
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(f"{line}\n" for line in lines)
