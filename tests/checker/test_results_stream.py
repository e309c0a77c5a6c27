"""A run summarised and rendered from the store in a stream equals the in-memory one."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from checker.output import render, run_document, stream_run
from checker.runner import load_run, run_check
from checker.store import open_store
from checker.transcript import Transcript
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript

CONSTITUTION = make_constitution("p.one", "p.two", "p.three")


def _transcripts() -> list[Transcript]:
    replies = ["VIOLATE p.one", "FAIL p.two", "ABSTAIN p.three\nFLIP p.one", "Ok.", "INVENT p.two"]
    return [make_transcript(f"t{i}", r, f"q{i}") for i, r in enumerate(replies)]


def test_the_streamed_summary_equals_the_whole_result(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        run = run_check(CONSTITUTION, _transcripts(), StubJudge(), store, samples=3)
        whole = load_run(store, run.run.id)
        summary = load_run(store, run.run.id, summary_only=True)
        kept = run_check(CONSTITUTION, _transcripts(), StubJudge(), store, keep_verdicts=False)
    assert summary.summary_only and not summary.verdicts and not summary.pairs
    assert summary.totals == whole.totals
    assert summary.principles == whole.principles
    assert summary.worst_transcripts == whole.worst_transcripts
    assert summary.outcomes == whole.outcomes
    assert kept.summary_only
    assert kept.has_violations and kept.has_errors and kept.has_abstentions


def test_streamed_json_jsonl_and_table_hold_what_the_whole_renderings_hold(
    tmp_path: Path,
) -> None:
    with open_store(tmp_path / "r.db") as store:
        run = run_check(CONSTITUTION, _transcripts(), StubJudge(), store, samples=2)
        whole = load_run(store, run.run.id)
        summary = load_run(store, run.run.id, summary_only=True)
        out = {}
        for fmt in ("json", "jsonl", "table"):
            buffer = io.StringIO()
            stream_run(store, summary, fmt, buffer.write)
            out[fmt] = buffer.getvalue()
    streamed, expected = json.loads(out["json"]), run_document(whole)
    for key in ("pairs", "verdicts"):
        assert sorted(streamed[key], key=key_of) == sorted(expected[key], key=key_of)
    assert {k: v for k, v in streamed.items() if k not in ("pairs", "verdicts")} == {
        k: v for k, v in expected.items() if k not in ("pairs", "verdicts")
    }
    assert sorted(out["jsonl"].splitlines()) == sorted(render(whole, "jsonl").splitlines())
    assert sorted(out["table"].splitlines()) == sorted(render(whole, "table").splitlines())


def key_of(record: dict[str, Any]) -> tuple[str, str, int]:
    return (record["transcript_id"], record["principle_id"], record.get("sample_index", 0))
