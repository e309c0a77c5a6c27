"""The real Inspect logs and XSTest datasets in ../shared/corpora import completely."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from checker.transcript import ToolCallPart, ToolResultPart, Transcript
from checker.transcripts import load_transcripts


def inspect_logs(corpora: Path) -> list[Path]:
    logs = sorted(p for p in (corpora / "inspect").iterdir() if p.suffix in (".json", ".eval"))
    assert logs, "no Inspect logs in the corpus"
    return logs


def own_samples(log: Path) -> list[dict[str, Any]]:
    """The samples as the log itself stores them, read without our importer."""
    if log.suffix == ".json":
        return json.loads(log.read_text())["samples"]
    with zipfile.ZipFile(log) as archive:
        names = [n for n in archive.namelist() if n.startswith("samples/")]
        summaries = json.loads(archive.read("summaries.json"))
        assert len(names) == len(summaries)
        return [json.loads(archive.read(n)) for n in names]


def test_every_inspect_log_imports_with_matching_counts(corpora_dir: Path) -> None:
    for log in inspect_logs(corpora_dir):
        samples = own_samples(log)
        transcripts = list(load_transcripts(log))
        assert len(transcripts) == len(samples), log.name
        by_key = {(t.metadata["sample_id"], t.metadata["epoch"]): t for t in transcripts}
        assert len(by_key) == len(transcripts), log.name
        for sample in samples:
            t = by_key[(sample["id"], sample["epoch"])]
            assert len(t.messages) == len(sample["messages"]), (log.name, t.id)
            assert [m.role.value for m in t.messages] == [m["role"] for m in sample["messages"]]
            check_tools(t, sample)
            assert t.metadata["format"] == "inspect"
            assert t.metadata.get("scores") == sample.get("scores")


def check_tools(t: Transcript, sample: dict[str, Any]) -> None:
    calls = [c for m in sample["messages"] for c in m.get("tool_calls") or []]
    ours = [p for m in t.messages for p in m.parts if isinstance(p, ToolCallPart)]
    assert [(c["id"], c["function"], c["arguments"]) for c in calls] == [
        (p.id, p.name, p.input) for p in ours
    ]
    errors = [m["error"]["message"] for m in sample["messages"] if m.get("error")]
    results = [p for m in t.messages for p in m.parts if isinstance(p, ToolResultPart)]
    assert [r.error for r in results if r.error is not None] == errors
    assert len(results) == sum(m["role"] == "tool" for m in sample["messages"])


def test_inspect_ids(corpora_dir: Path) -> None:
    popularity = next((corpora_dir / "inspect").glob("*_popularity_*.eval"))
    ids = [t.id for t in load_transcripts(popularity)]
    assert ids == [f"popularity:{n}" for n in range(1, 11)]
    [tool_errors] = load_transcripts(corpora_dir / "inspect" / "log_tool_call_error.json")
    assert tool_errors.id == "...:1:epoch4"  # the log names its task "..."


def test_inspect_directory_at_once(corpora_dir: Path) -> None:
    expected = sum(len(own_samples(log)) for log in inspect_logs(corpora_dir))
    assert len(list(load_transcripts(corpora_dir / "inspect"))) == expected


def own_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_xstest_completions_with_labels(corpora_dir: Path) -> None:
    files = sorted((corpora_dir / "xstest").glob("xstest_v2_completions_*.csv"))
    assert files
    for path in files:
        rows = own_rows(path)
        transcripts = list(
            load_transcripts(path, mapping="prompt=prompt,response=completion,id=id")
        )
        assert len(transcripts) == len(rows), path.name
        for row, t in zip(rows, transcripts, strict=True):
            assert t.id == row["id"]
            assert [m.text for m in t.messages] == [row["prompt"], row["completion"]]
            assert t.metadata["columns"]["type"] == row["type"]
            assert t.metadata["columns"]["final_label"] == row["final_label"]


def test_xstest_prompts_only(corpora_dir: Path) -> None:
    path = corpora_dir / "xstest" / "xstest_prompts.csv"
    transcripts = list(load_transcripts(path, mapping="prompt=prompt,id=id"))
    assert len(transcripts) == len(own_rows(path))
    assert all(len(t.messages) == 1 for t in transcripts)
    assert {t.metadata["columns"]["label"] for t in transcripts} == {"safe", "unsafe"}


def test_xstest_without_a_mapping_uses_usual_column_names(corpora_dir: Path) -> None:
    path = corpora_dir / "xstest" / "xstest_v2_completions_gpt4.csv"
    first = next(load_transcripts(path))
    assert first.id == "v2-1"
    assert [m.role.value for m in first.messages] == ["user", "assistant"]


@pytest.mark.parametrize("name", ["log_read_sample.json", "log_read_sample.eval"])
def test_inspect_sample_metadata(corpora_dir: Path, name: str) -> None:
    [t] = load_transcripts(corpora_dir / "inspect" / name)
    assert t.id == "popularity:1"
    assert t.metadata["scores"]["match"]["value"] == "C"
    assert t.metadata["sample_metadata"] == {"label_confidence": 0.8860552919198255}
