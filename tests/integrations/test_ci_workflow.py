"""docs/examples/ci-workflow.yml: every ``constitution`` command in it exists, with its options."""

from __future__ import annotations

import re
import shlex
from typing import Any

import typer.main
from ruamel.yaml import YAML

from cli.app import app
from tests.conftest import ROOT

WORKFLOW = ROOT / "docs" / "examples" / "ci-workflow.yml"
COMMAND_BEFORE = {"&&", "||", ";", "xargs", "-0"}
"""Words after which ``constitution`` is the command run (not ``pip install constitution``)."""


def _scripts() -> list[str]:
    document = YAML(typ="safe").load(WORKFLOW.read_text())
    steps = [s for job in document["jobs"].values() for s in job["steps"]]
    return [s["run"] for s in steps if "run" in s]


def _invocations(script: str) -> list[list[str]]:
    """Each ``constitution ...`` command line (continuations joined), as argument lists."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        for i, word in enumerate(words):
            if word == "constitution" and (i == 0 or words[i - 1] in COMMAND_BEFORE):
                tail = words[i + 1 :]
                cut = next((j for j, w in enumerate(tail) if w in ("||", "&&", "|", "<")), None)
                found.append(tail[:cut])
    return found


def _group() -> Any:
    """The CLI's click command tree (typer's own click)."""
    return typer.main.get_command(app)


def _check(group: Any, args: list[str]) -> None:
    name, *rest = args
    command = group.commands.get(name)
    assert command is not None, f"no command `constitution {name}`"
    options = {o: p for p in command.params if p.param_type_name == "option" for o in p.opts}
    words = iter(rest)
    for word in words:
        if not word.startswith("--"):
            continue
        flag, has_value, _ = word.partition("=")
        assert flag in options, f"`constitution {name}` has no option {flag}"
        if not options[flag].is_flag and not has_value:
            next(words)  # its value


def test_every_constitution_command_and_option_exists() -> None:
    group = _group()
    calls = [args for script in _scripts() for args in _invocations(script)]
    assert {args[0] for args in calls} == {"validate", "lint", "diff", "check"}
    for args in calls:
        _check(group, args)


def test_the_workflow_gates_and_comments() -> None:
    text = WORKFLOW.read_text()
    assert re.search(r"--fail-on violates", text)
    assert "gh pr comment" in text and "--format markdown" in text


def test_a_wrong_option_is_caught() -> None:
    group = _group()
    try:
        _check(group, ["check", "--fail-when", "violates"])
    except AssertionError as exc:
        assert "has no option --fail-when" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown option passed")
