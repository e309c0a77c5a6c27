"""Every command says a missing input file the same way: one line, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import RunCli

RULES = "fixtures/general-assistant.yaml"
CHATS = "fixtures/demo/chats.jsonl"


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "nope.yaml"),
        ("show", "nope.yaml"),
        ("lint", "nope.yaml"),
        ("fmt", "nope.yaml"),
        ("import", "nope.yaml"),
        ("transcripts", "show", "nope.yaml"),
        ("transcripts", "stats", "nope.yaml"),
        ("check", "nope.yaml", CHATS),
        ("check", RULES, "nope.yaml"),
        ("calibrate", "nope.yaml", CHATS, "--labels", "x.csv"),
        ("calibrate", RULES, CHATS, "--labels", "nope.yaml"),
        ("selftest", "nope.yaml"),
        ("distill", "nope.yaml", "--out", "m.json"),
        ("diff", RULES, RULES, "--transcripts", "nope.yaml"),
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_no_such_file(
    args: tuple[str, ...], run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(tmp_path)
    given = [str(root / a) if a.startswith("fixtures/") else a for a in args]
    result = run_cli(*given)
    assert (result.code, result.err) == (2, "error: nope.yaml: no such file or directory\n")
    assert list(tmp_path.iterdir()) == []
