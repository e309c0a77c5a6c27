"""``constitution judges``: every judge, what it needs, usable here; plugins included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.checker.judge_plugin import install_plugin, plugins
from tests.cli.conftest import RunCli

__all__ = ["plugins"]  # the fixture


def test_lists_the_built_in_judges_and_says_what_is_missing(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    result = run_cli("judges", "--format", "json")
    assert result.code == 0, result.err
    listing = json.loads(result.out)
    rows = {row["name"]: row for row in listing["judges"]}
    assert list(rows)[:4] == ["anthropic", "openai", "local", "cascade"]
    assert rows["local"]["usable"] is True
    assert rows["anthropic"] == {
        **rows["anthropic"],
        "usable": False,
        "reason": "ANTHROPIC_API_KEY is not set",
    }
    assert "ANTHROPIC_API_KEY" in listing["auto"] and "OPENAI_BASE_URL" in listing["auto"]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    table = run_cli("judges")
    assert table.code == 0
    assert "[openai]" in table.out  # printed as text, not read as markup
    anthropic_line = next(line for line in table.out.splitlines() if line.startswith("anthropic"))
    assert anthropic_line.rstrip().endswith("yes")


def test_constitution_judges_lists_plugins(plugins: Path, run_cli: RunCli) -> None:
    install_plugin(plugins, "echo-judges", ["echo = MOD:ENTRY"])
    result = run_cli("judges", "--format", "json")
    assert result.code == 0, result.err
    rows = {row["name"]: row for row in json.loads(result.out)["judges"]}
    assert {"anthropic", "openai", "local", "cascade", "echo"} <= set(rows)
    assert rows["echo"]["plugin"] == "echo-judges"
    table = run_cli("judges")
    assert "echo (echo-judges)" in table.out


def test_constitution_judges_reports_a_shadowing_plugin(plugins: Path, run_cli: RunCli) -> None:
    install_plugin(plugins, "evil-judges", ["local = MOD:EchoJudge"])
    result = run_cli("judges")
    assert result.code == 2
    assert "evil-judges" in result.err and "Traceback" not in result.err
