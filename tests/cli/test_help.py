"""Help text: commands grouped by job, each with an example, readable at 80 columns."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main

from cli._help import JOBS, plain_type
from cli.app import app
from tests.cli.conftest import RunCli


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, sub in getattr(command, "commands", {}).items():
        if getattr(sub, "commands", None):
            found.extend(_commands(sub, (*path, name)))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_top_level_help_groups_commands_by_job(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.code == 0
    titles = [line for line in result.out.splitlines() if line.endswith("commands:")]
    assert titles == [f"{job} commands:" for job in JOBS]
    assert "..." not in result.out.split("Author commands:")[1]  # first sentences are whole


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_an_example_and_fits_80_columns(
    run_cli: RunCli, command: tuple[str, ...]
) -> None:
    result = run_cli(*command, "--help")
    assert result.code == 0, result.err
    assert "Example:" in result.out
    assert f"constitution {' '.join(command)}" in result.out.split("Example:")[1]
    for line in result.out.splitlines():
        assert len(line) <= 80, line
    assert not re.search(r"<list\[|\{[a-z_]+\}|<bool>|<str>", result.out), result.out


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert re.fullmatch(r"constitution \S+\n", result.out)


@pytest.mark.parametrize(
    ("label", "plain"),
    [
        ("<list[str]>", "TEXT"),
        ("<list[violates|error]>", "[violates|error]"),
        ("<int range>", "INTEGER"),
        ("<float range>", "NUMBER"),
        ("<path>", "PATH"),
    ],
)
def test_plain_types(label: str, plain: str) -> None:
    assert plain_type(label) == plain
