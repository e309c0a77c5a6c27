"""What reaches the terminal: no escape sequence, no bidi override, no rich markup from data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli, StubJudges
from tests.cli.test_check_cmd import CONSTITUTION

HOSTILE_ID = "t[red]1[/red]\u202egnp"
HOSTILE_TEXT = "VIOLATE p.one\n\x1b[2J\x1b]0;owned\x07 [bold]loud[/bold] cod\u202eexe.txt"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judges: StubJudges) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    chat = make_transcript(HOSTILE_ID, HOSTILE_TEXT)
    (tmp_path / "chats.jsonl").write_text(chat.model_dump_json() + "\n")
    return tmp_path


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text


def test_transcripts_show_escapes_controls_and_never_reads_markup(
    work: Path, run_cli: RunCli
) -> None:
    shown = run_cli("transcripts", "show", "chats.jsonl")
    assert shown.code == 0, shown.err
    _clean(shown.out)
    assert "\\x1b[2J" in shown.out and "cod\\u202eexe.txt" in shown.out
    assert "[bold]loud[/bold]" in shown.out
    assert "t[red]1[/red]\\u202egnp" in shown.out


def test_check_output_and_summary_are_safe(work: Path, run_cli: RunCli) -> None:
    db = work / "r.db"
    table = run_cli("check", "rules.yaml", "chats.jsonl", "--judge", "local", "--db", str(db))
    _clean(table.out + table.err)
    assert "t[red]1[/red]\\u202egnp" in table.out
    out = work / "report.json"
    result = run_cli(
        "check", "rules.yaml", "chats.jsonl", "--judge", "local", "--db", str(db),
        "--format", "json", "--out", str(out),
    )  # fmt: skip
    _clean(result.err)
    assert "worst: t[red]1[/red]\\u202egnp (1)" in result.err
    runs = run_cli("runs", "--db", str(db))
    _clean(runs.out)
