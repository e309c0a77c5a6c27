"""``constitution transcripts show|stats`` through the real entry point."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from checker.transcript import Transcript
from checker.transcripts import load_transcripts
from tests.cli.conftest import RunCli


@pytest.fixture
def here(fixtures_dir: Path) -> Path:
    return fixtures_dir / "transcripts"


def test_show_renders_roles_tools_and_errors(run_cli: RunCli, here: Path) -> None:
    result = run_cli("transcripts", "show", str(here / "inspect_small.json"))
    assert result.code == 0, result.err
    out = result.out
    assert "kitchen_helper:7:epoch1 · inspect" in out
    assert '→ read_thermometer({"device": "oven"})  [t1]' in out
    assert "← [t1] error: The thermometer did not answer within 5 seconds." in out
    assert "thinking: Red lentils cook fast; brown ones take longer." in out
    assert result.err == ""


def test_show_cuts_long_text(run_cli: RunCli, here: Path) -> None:
    result = run_cli("transcripts", "show", str(here / "chat.txt"), "--max-chars", "10")
    assert "Hand it to… [123 more characters]" in result.out


def test_show_json_prints_normalised_transcripts(run_cli: RunCli, here: Path) -> None:
    path = here / "openai_chats.json"
    result = run_cli("transcripts", "show", str(path), "--format", "json")
    assert result.code == 0, result.err
    printed = [Transcript.model_validate_json(line) for line in result.out.splitlines()]
    assert printed == list(load_transcripts(path))


def test_show_reads_stdin(run_cli: RunCli, here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (here / "openai_chats.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    result = run_cli("transcripts", "show", "-", "--format", "json", "--limit", "2")
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [t["id"] for t in lines] == ["line-1", "line-2"]
    assert lines[0]["metadata"]["source"] == "<stdin>"


def test_map_and_input_format(run_cli: RunCli, here: Path) -> None:
    result = run_cli(
        "transcripts",
        "show",
        str(here / "dataset.jsonl"),
        "--format",
        "json",
        "--map",
        "prompt=question,response=answer,id=qid",
        "--input-format",
        "tabular",
    )
    assert result.code == 0, result.err
    assert [json.loads(line)["id"] for line in result.out.splitlines()] == ["1", "2"]


def test_bad_map_is_a_usage_error(run_cli: RunCli, here: Path) -> None:
    result = run_cli("transcripts", "show", str(here / "dataset.csv"), "--map", "prompt")
    assert result.code == 2
    assert "bad mapping 'prompt': expected KEY=COLUMN" in result.err


def test_invalid_record_fails_with_one_line(run_cli: RunCli, here: Path) -> None:
    path = here / "malformed" / "bad_role.jsonl"
    result = run_cli("transcripts", "show", str(path))
    assert result.code == 2
    assert result.err == (
        f"error: {path}:2: not a transcript: expected a role (system, developer, user, "
        'assistant, tool) at messages[1].role, found "robot"\n'
    )


def test_skip_invalid_reports_every_skipped_record(run_cli: RunCli, here: Path) -> None:
    path = here / "malformed" / "ragged.csv"
    result = run_cli("transcripts", "show", str(path), "--skip-invalid", "--format", "json")
    assert result.code == 0
    assert len(result.out.splitlines()) == 2
    assert result.err == (
        f"skipped: {path}:3: not a transcript: expected 3 fields as in the header, found 4\n"
        "skipped 1 invalid record(s)\n"
    )


def test_stats_json(run_cli: RunCli, here: Path) -> None:
    result = run_cli(
        "transcripts",
        "stats",
        str(here / "inspect_small.json"),
        str(here / "chat.txt"),
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    stats = json.loads(result.out)
    assert stats["transcripts"] == 5
    assert stats["by_format"] == {"inspect": 4, "text": 1}
    assert stats["messages_by_role"] == {"user": 6, "assistant": 7, "system": 2, "tool": 1}
    assert stats["tool_use"] == {
        "transcripts_with_tool_calls": 1,
        "tool_calls": 1,
        "tool_errors": 1,
        "tools": {"read_thermometer": 1},
    }
    assert stats["messages_per_transcript"]["min"] == 2
    assert stats["messages_per_transcript"]["max"] == 4


def test_stats_text(run_cli: RunCli, here: Path) -> None:
    result = run_cli("transcripts", "stats", str(here))
    assert result.code == 2  # the malformed/ folder is inside
    result = run_cli("transcripts", "stats", str(here), "--skip-invalid")
    assert result.code == 0
    assert "transcripts" in result.out and "35" in result.out
    assert "skipped 15 invalid record(s)" in result.err


def test_every_command_has_help(run_cli: RunCli) -> None:
    for command in ("show", "stats"):
        result = run_cli("transcripts", command, "--help")
        assert result.code == 0
        assert "--input-format" in result.out and "--skip-invalid" in result.out
