"""``constitution distill --labels``: fit the local judge on human labels, with grouped CV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.judges.local import LocalJudge
from constitution.load import load_constitution
from tests.checker.claude_stub import CONSTITUTION, conversations, expected
from tests.cli.conftest import RunCli

PRINCIPLES = ("help.no-needless-refusal", "harm.declines-dangerous")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    lines = [t.model_dump_json() for t in conversations()]
    (tmp_path / "chats.jsonl").write_text("\n".join(lines) + "\n")
    rows = [
        {"transcript_id": t.id, "principle_id": p, "label": expected(t, p).value}
        for t in conversations()
        for p in PRINCIPLES
    ]
    rows.append({"transcript_id": "missing", "principle_id": PRINCIPLES[0], "label": "complies"})
    rows.append(
        {
            "transcript_id": "safe-0-answered",
            "principle_id": "style.plain-words",
            "label": "complies",
            "principle_version": 9,
        }
    )
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return tmp_path


def test_fits_on_labels_and_prints_cross_validation(work: Path, run_cli: RunCli) -> None:
    result = run_cli(
        "distill", str(CONSTITUTION), "chats.jsonl", "--labels", "labels.jsonl", "--out", "m.json"
    )
    assert result.code == 0, result.err
    out = result.out
    assert "fitted on 40 labels from labels.jsonl:" in out
    assert "help.no-needless-refusal: 20 labels (14 complies, 6 violates)" in out
    assert "5-fold CV by transcript: accuracy" in out and "coverage" in out
    assert "not used: 1 made for another principle revision; 1 naming no given transcript" in out
    judge = LocalJudge.load(work / "m.json")
    assert set(judge.models) == set(PRINCIPLES)
    rules = load_constitution(CONSTITUTION)
    principle = rules.principle("help.no-needless-refusal")
    refused = next(t for t in conversations() if t.id == "safe-0-refused")
    assert judge.judge(refused, principle).outcome.value == "violates"


def test_labels_need_the_transcripts(work: Path, run_cli: RunCli) -> None:
    result = run_cli("distill", str(CONSTITUTION), "--labels", "labels.jsonl", "--out", "m.json")
    assert result.code == 2
    assert "--labels needs the labelled transcripts" in result.err
    bad = run_cli("distill", str(CONSTITUTION), "chats.jsonl", "--out", "m.json")
    assert bad.code == 2
    assert "transcripts are read only with --labels" in bad.err
