"""Every command's ``--help`` example runs as written, from the repository root (in a copy).

The examples run in the order ``constitution --help`` lists the commands, against the
fake Messages API server (so ``auto`` is the anthropic judge, and ``distill`` finds its
stored verdicts); ``view`` serves until Ctrl-C, and the ``audit`` examples need a model
that plays scenarios: those are only checked for their example.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import typer.main

from cli.app import app
from tests.cli.test_help import COMMANDS
from tests.docs.test_runnable_docs import BLOCK_TIMEOUT_S, copy, environment  # noqa: F401

SERVES = {("view",)}
"""Commands whose example does not return by itself."""
NEEDS_A_MODEL = {("audit", "plan"), ("audit", "run"), ("audit", "check"), ("audit", "compare")}
"""Commands whose example needs a model that writes and plays scenarios (or the audits
it stored): the fake Messages API only grades."""
MAY_FAIL_A_GATE = {("selftest",)}
"""Commands whose example may exit 1: a gate the judge can fail."""


def example(command: tuple[str, ...]) -> str:
    """The command's example, continuation lines joined."""
    group: Any = typer.main.get_command(app)
    for name in command:
        group = group.commands[name]
    text = group.help.split("Example:", 1)[1]
    lines = [line.strip() for line in text.strip().splitlines()]
    return " ".join(line.rstrip("\\").strip() for line in lines if line and line != "\\b")


def test_help_examples_run(copy: Path, fake_api: Any) -> None:  # noqa: F811
    api = fake_api()
    failures: list[str] = []
    for command in COMMANDS:
        line = example(command)
        assert line.startswith(f"constitution {' '.join(command)}"), line
        if command in SERVES or command in NEEDS_A_MODEL:
            continue
        env = environment(copy, api)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", line],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
            check=False,
        )
        allowed = {0, 1} if command in MAY_FAIL_A_GATE else {0}
        if done.returncode not in allowed:
            failures.append(f"{line}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    assert not failures, "\n".join(failures)
