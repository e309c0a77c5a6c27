"""Transcripts are named with where they were read (file:line), in every text output."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from checker.output import render
from checker.runner import load_run, run_check
from checker.store import open_store
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript


def test_locations_come_from_the_transcripts_metadata(tmp_path: Path) -> None:
    rules = make_constitution("p.one")
    located = make_transcript("4d2272a98c02e446", "VIOLATE p.one").model_copy(
        update={"metadata": {"source": "rows.csv", "line": 14}}
    )
    whole_file = make_transcript("chat", "fine").model_copy(
        update={"metadata": {"source": "chat.txt"}}
    )
    nowhere = make_transcript("made-in-code", "fine")
    with open_store(tmp_path / "r.db") as store:
        result = run_check(rules, [located, whole_file, nowhere], StubJudge(), store)
        again = load_run(store, result.run.id)
    assert result.locations == {"4d2272a98c02e446": "rows.csv:14", "chat": "chat.txt"}
    # a stored run's report knows where the store first saw each content (same text
    # as "chat": that place)
    assert again.locations == {**result.locations, "made-in-code": "chat.txt"}
    assert result.named("4d2272a98c02e446") == "4d2272a98c02e446 (rows.csv:14)"
    assert result.named("made-in-code") == "made-in-code"
    assert "  4d2272a98c02e446 (rows.csv:14) x p.one:" in render(result, "table")
    assert "| 4d2272a98c02e446 (rows.csv:14) | `p.one` | violates |" in render(result, "markdown")
    cases = ET.fromstring(render(result, "junit")).iter("testcase")
    placed = {c.get("name"): (c.get("file"), c.get("line")) for c in cases}
    assert placed["4d2272a98c02e446"] == ("rows.csv", "14")
    assert placed["chat"] == ("chat.txt", None)
