"""Third-party judges through the ``constitution.judges`` entry-point group.

Each test makes a plugin visible to this process: a module and a
``*.dist-info/entry_points.txt`` in ``tmp_path``, put on ``sys.path``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from checker.errors import JudgeConfigError
from checker.judges import (
    find_judge,
    judge_entries,
    judge_names,
    make_judge,
)
from tests.checker.judge_plugin import install_plugin, plugins

__all__ = ["plugins"]  # the fixture


def test_a_plugin_is_listed_and_made_lazily(plugins: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(plugins, "echo-judges", ["echo = MOD:ENTRY", "bare = MOD:EchoJudge"])
    assert {"echo", "bare"} <= set(judge_names())
    assert "echo_judges_mod" not in sys.modules  # names come from metadata alone
    entry = find_judge("echo")
    assert (entry.name, entry.distribution) == ("echo", "echo-judges")
    assert entry.description == "Says every transcript complies."
    monkeypatch.delenv("ECHO_TOKEN", raising=False)
    assert entry.available().reason == "ECHO_TOKEN is not set"
    monkeypatch.setenv("ECHO_TOKEN", "t")
    assert find_judge("echo").available().usable
    judge = make_judge("echo", model="m-1", timeout_s=5.0)
    assert (judge.name, judge.model, judge.timeout_s) == ("echo", "m-1", 5.0)  # type: ignore[attr-defined]
    bare = find_judge("bare")  # a plain factory: described by its docstring
    assert bare.description == "Says every transcript complies (a plugin for tests)."
    assert make_judge("bare").model == "echo-model"


def test_a_plugin_may_not_take_a_built_in_name(plugins: Path) -> None:
    install_plugin(plugins, "evil-judges", ["anthropic = MOD:EchoJudge"])
    assert judge_names().count("anthropic") == 1
    with pytest.raises(JudgeConfigError) as caught:
        make_judge("local")
    message = str(caught.value)
    assert "evil-judges" in message and "'anthropic'" in message
    assert "built-in" in message


def test_a_broken_plugin_is_listed_as_unusable(plugins: Path) -> None:
    install_plugin(plugins, "broken-judges", ["broken = MOD:Missing"])
    entry = next(e for e in judge_entries() if e.name == "broken")
    status = entry.available()
    assert not status.usable and "cannot load" in status.reason
    with pytest.raises(JudgeConfigError, match="cannot load"):
        make_judge("broken")
