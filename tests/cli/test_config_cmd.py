"""``constitution config`` and the project config as the commands use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.config import KEYS
from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli
from tests.cli.conftest import StubJudges as _Judges

RULES = """\
constitution: 1
id: cfg-rules
title: Config rules
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Follow rule one.
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in KEYS:
        monkeypatch.delenv(key.env, raising=False)
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "rules.yaml").write_text(RULES)
    (project / "chats.jsonl").write_text(make_transcript("t0", "fine", "hi").model_dump_json())
    monkeypatch.chdir(project / "sub")
    return project


def test_config_without_a_file_says_so(work: Path, run_cli: RunCli) -> None:
    result = run_cli("config")
    assert result.code == 0
    assert result.out.startswith("config file: none")
    assert "judge" in result.out and "default" in result.out


def test_config_shows_each_source(
    work: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / "pyproject.toml").write_text('[tool.constitution]\njudge = "local"\nformat = "json"\n')
    monkeypatch.setenv("CONSTITUTION_FORMAT", "markdown")
    result = run_cli("config", "--format", "json")
    shown = json.loads(result.out)
    assert shown["file"] == str((work / "pyproject.toml").resolve())
    settings = shown["settings"]
    assert settings["judge"]["source"] == f"{(work / 'pyproject.toml').resolve()}:2"
    assert settings["format"] == {
        "value": "markdown",
        "origin": "environment",
        "source": "CONSTITUTION_FORMAT",
        "env": "CONSTITUTION_FORMAT",
    }
    assert settings["db"]["origin"] == "default"


def test_check_uses_the_config_judge_store_and_format(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    (work / "constitution.toml").write_text(
        'judge = "local"\ndb = "store/results.db"\nformat = "jsonl"\n'
    )
    result = run_cli("check", "../rules.yaml", "../chats.jsonl")
    assert result.code == 0, result.err
    assert f"judge: local (judge = local in {(work / 'constitution.toml').resolve()}:1)" in (
        result.err
    )
    assert (work / "store" / "results.db").is_file()
    assert json.loads(result.out.splitlines()[0])  # jsonl, from the config
    assert not (work / "sub" / ".constitution").exists()


def test_flags_win_over_the_config(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    (work / "constitution.toml").write_text('format = "jsonl"\ndb = "store/results.db"\n')
    result = run_cli(
        "check", "../rules.yaml", "../chats.jsonl", "--format", "json", "--db", "mine.db"
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["run"]
    assert (work / "sub" / "mine.db").is_file()
    assert not (work / "store").exists()


def test_a_bad_config_value_names_file_and_line(work: Path, run_cli: RunCli) -> None:
    (work / "constitution.toml").write_text('judge = "local"\nformat = "xml"\n')
    result = run_cli("check", "../rules.yaml", "../chats.jsonl")
    assert result.code == 2
    path = (work / "constitution.toml").resolve()
    assert result.err.strip().endswith(
        f"{path}:2: format 'xml' is not one of table, json, jsonl, markdown, junit, html"
        " (for this command)"
    )


def test_an_unknown_config_judge_names_file_and_line(work: Path, run_cli: RunCli) -> None:
    (work / "constitution.toml").write_text('judge = "oracle"\n')
    result = run_cli("check", "../rules.yaml", "../chats.jsonl")
    assert result.code == 2
    assert f"{(work / 'constitution.toml').resolve()}:1: unknown judge 'oracle'" in result.err


def test_runs_in_an_empty_folder_creates_nothing(work: Path, run_cli: RunCli) -> None:
    result = run_cli("runs")
    assert result.code == 0
    assert result.err == "store: .constitution/results.db does not exist: no runs yet\n"
    assert not (work / "sub" / ".constitution").exists()
    report = run_cli("report", "latest")
    assert report.code == 2
    assert report.err == "error: no results store at .constitution/results.db: no run to report\n"
    assert not (work / "sub" / ".constitution").exists()


def test_runs_names_the_store_it_read(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    (work / "constitution.toml").write_text('db = "r.db"\n')
    assert run_cli("check", "../rules.yaml", "../chats.jsonl").code == 0
    result = run_cli("runs")
    store = (work / "r.db").resolve()
    assert result.err == f"store: {store} (from {(work / 'constitution.toml').resolve()}:1)\n"
    assert "cfg-rules 1.0.0" in result.out
