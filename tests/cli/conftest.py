"""Run the CLI in-process, through the same ``main`` the console script uses."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from checker.judges import register_judge, unregister_judge
from cli.app import main
from tests.checker.stub_judge import StubJudge


@dataclass
class CliResult:
    code: int
    out: str
    err: str


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["constitution", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


class StubJudges:
    """A judge factory registered as ``local``: every judge it makes is a StubJudge."""

    def __init__(self) -> None:
        self.made: list[StubJudge] = []

    def __call__(self, model: str | None = None) -> StubJudge:
        judge = StubJudge(model=model or "stub-model")
        self.made.append(judge)
        return judge

    @property
    def calls(self) -> int:
        return sum(len(j.calls) for j in self.made)


@pytest.fixture
def judges(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubJudges]:
    """The ``local`` judge replaced by stub judges (and no API key in the environment)."""
    factory = StubJudges()
    register_judge("local", factory)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    yield factory
    unregister_judge("local")
