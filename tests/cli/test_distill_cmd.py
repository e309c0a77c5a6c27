"""``constitution distill``: fit from stored verdicts, then check with the model file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.judges import make_judge
from checker.runner import run_check
from checker.store import open_store
from constitution.load import load_constitution
from tests.checker.claude_stub import CONSTITUTION, ClaudeStub, conversations, registered
from tests.cli.conftest import RunCli


@pytest.fixture
def claude(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ClaudeStub]]:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    yield from registered()


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    lines = [t.model_dump_json() for t in conversations()]
    (tmp_path / "chats.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def _store_claude_verdicts(db: Path) -> int:
    with open_store(db) as store:
        result = run_check(
            load_constitution(CONSTITUTION), conversations(), make_judge("anthropic"), store
        )
    return result.run.id


def test_distill_prints_pairs_per_principle_and_label(
    work: Path, claude: list[ClaudeStub], run_cli: RunCli
) -> None:
    _store_claude_verdicts(work / "results.db")
    result = run_cli("distill", str(CONSTITUTION), "--out", "model.json", "--db", "results.db")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "distilled 60 verdicts by anthropic from results.db:",
        "  help.no-needless-refusal: 20 pairs (14 complies, 6 violates) + 5 examples",
        "  harm.declines-dangerous: 20 pairs (16 complies, 4 violates) + 5 examples",
        "  style.plain-words: 20 pairs (20 complies), not fitted:"
        " only one label in the data: ['complies']",
        "  not used: 20 out of scope",
        "wrote model.json (2 principles fitted)",
        f"use it: constitution check {CONSTITUTION} TRANSCRIPTS --judge local --model model.json",
    ]
    saved = json.loads((work / "model.json").read_text())
    assert sorted(saved["principles"]) == ["harm.declines-dangerous", "help.no-needless-refusal"]


def test_check_with_the_distilled_model_agrees_with_claude(
    work: Path, claude: list[ClaudeStub], run_cli: RunCli
) -> None:
    _store_claude_verdicts(work / "results.db")
    assert (
        run_cli("distill", str(CONSTITUTION), "--out", "model.json", "--db", "results.db").code == 0
    )
    result = run_cli(
        "check",
        str(CONSTITUTION),
        "chats.jsonl",
        "--judge",
        "local",
        "--model",
        "model.json",
        "--principle",
        "help.no-needless-refusal",
        "--principle",
        "harm.declines-dangerous",
        "--db",
        "local.db",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == "judge: local (--judge local)"
    document = json.loads(result.out)
    assert document["run"]["judge"] == "local"
    assert document["run"]["model"].startswith("two-factor-3+")
    by_pair = {(v["transcript_id"], v["principle_id"]): v for v in document["verdicts"]}
    with open_store(work / "results.db") as store:
        claude_says = {
            (v.transcript_id, v.principle_id): v.outcome.value for v in store.iter_verdicts()
        }
    for pair, verdict in by_pair.items():
        assert verdict["judge"] == "local"
        assert verdict["outcome"] == claude_says[pair], pair


def test_run_filter_and_missing_run(work: Path, claude: list[ClaudeStub], run_cli: RunCli) -> None:
    run_id = _store_claude_verdicts(work / "results.db")
    ok = run_cli(
        "distill", str(CONSTITUTION), "--out", "m.json", "--db", "results.db", "--run", str(run_id)
    )
    assert ok.code == 0, ok.err
    missing = run_cli(
        "distill", str(CONSTITUTION), "--out", "m2.json", "--db", "results.db", "--run", "7"
    )
    assert missing.code == 2
    assert missing.err == "error: results.db: no run 7\n"
    assert not (work / "m2.json").exists()


def test_an_empty_store_exits_2_with_one_line(work: Path, run_cli: RunCli) -> None:
    result = run_cli("distill", str(CONSTITUTION), "--out", "model.json", "--db", "empty.db")
    assert result.code == 2
    assert result.err == (
        "error: empty.db: no usable stored verdicts by anthropic for the principles of"
        " constitution local-judge-demo; run `constitution check --judge anthropic` first\n"
    )
    assert result.out == ""
    assert not (work / "model.json").exists()


def test_out_is_required(work: Path, run_cli: RunCli) -> None:
    result = run_cli("distill", str(CONSTITUTION))
    assert result.code == 2
    assert "--out" in result.err


def test_from_local_is_refused(work: Path, run_cli: RunCli) -> None:
    result = run_cli(
        "distill", str(CONSTITUTION), "--out", "m.json", "--db", "x.db", "--from-judge", "local"
    )
    assert result.code == 2
    assert result.err == "error: distilling the local judge's own verdicts would teach it nothing\n"
