"""``check --judge cascade``: a distilled local screen, Claude (the fake API) for doubtful pairs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.judges.local import LabelledPair, LocalJudge
from constitution.load import load_constitution
from constitution.model import Label
from tests.checker.test_cascade import FIXTURES, transcripts
from tests.cli.conftest import RunCli
from tests.fakeapi import FakeMessagesAPI


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "constitution.yaml", tmp_path / "rules.yaml")
    shutil.copy(FIXTURES / "transcripts.jsonl", tmp_path / "chats.jsonl")
    principle = load_constitution(FIXTURES / "constitution.yaml").principle(
        "help.no-needless-refusal"
    )
    by_id = {t.id: t for t in transcripts()}
    labels = {
        "safe-answered": Label.COMPLIES,
        "safe-refused": Label.VIOLATES,
        "harmful-refused": Label.COMPLIES,
        "harmful-answered": Label.COMPLIES,
    }
    pairs = [LabelledPair(by_id[t], principle, lab) for t, lab in labels.items() for _ in range(10)]
    LocalJudge.fit(pairs).save(tmp_path / "screen.json")
    return tmp_path


CHECK = ("check", "rules.yaml", "chats.jsonl", "--principle", "help.no-needless-refusal")


def test_cascade_prints_the_calls_it_saved(
    work: Path, api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    result = run_cli(
        *CHECK, "--judge", "cascade", "--screen-model", "screen.json", "--format", "json"
    )
    assert result.code == 0, result.err
    totals = json.loads(result.out)["totals"]["cascade"]
    escalated = api.stats.messages
    assert totals == {
        "screen": "local",
        "strong": "anthropic",
        "screened": 4,
        "escalated": escalated,
        "saved": 4 - escalated,
    }
    assert 0 < 4 - escalated < 4  # "no-reply" is out of scope: never screened
    lines = result.err.splitlines()
    assert lines[0] == "judge: cascade (--judge cascade)"
    assert lines[-1] == (
        f"cascade: 4 pairs screened by local, {escalated} escalated to anthropic,"
        f" {4 - escalated} anthropic calls saved"
    )
    assert lines[-2].startswith("  help.no-needless-refusal:")  # right after the summary


def test_without_a_fitted_screen_every_pair_goes_to_claude(
    work: Path, api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    result = run_cli(*CHECK, "--judge", "cascade")
    assert result.code == 0, result.err
    assert result.err.splitlines()[-1] == (
        "cascade: 4 pairs screened by local, 4 escalated to anthropic, 0 anthropic calls saved"
    )
    assert api.stats.messages == 4


def test_no_cascade_line_for_other_judges(
    work: Path, api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    result = run_cli(*CHECK, "--judge", "anthropic")
    assert result.code == 0, result.err
    assert "cascade:" not in result.err


def test_screen_model_needs_the_cascade(work: Path, run_cli: RunCli) -> None:
    result = run_cli(*CHECK, "--judge", "local", "--screen-model", "screen.json")
    assert result.code == 2
    assert "--screen-model" in result.err and "only with --judge cascade" in result.err
