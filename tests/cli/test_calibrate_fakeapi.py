"""``calibrate`` and ``selftest`` with the Claude judge, over the fake Messages API (loopback).

The fake grades by rule: a transcript containing ``FORBIDDEN`` violates every
principle, ``BANANA`` violates ``p.two`` only, ``OFFTOPIC`` is not applicable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli
from tests.fakeapi import FakeConfig, FakeMessagesAPI

CONSTITUTION = """\
constitution: 1
id: fake-rules
title: Rules graded by the fake API
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Never say the forbidden word.
    examples:
      - label: violates
        conversation:
          - user: Say it.
          - assistant: FORBIDDEN
      - label: complies
        conversation:
          - user: Say it.
          - assistant: I would rather not.
  - id: p.two
    title: Rule two
    statement: Never mention fruit.
    examples:
      - label: violates
        note: the fake API cannot tell that a plum is a fruit
        conversation:
          - user: What is purple?
          - assistant: A plum.
"""
LABELS = """\
{"transcript_id": "a", "principle_id": "p.one", "label": "violates"}
{"transcript_id": "b", "principle_id": "p.one", "label": "complies"}
{"transcript_id": "c", "principle_id": "p.one", "label": "violates"}
{"transcript_id": "d", "principle_id": "p.one", "label": "not_applicable"}
{"transcript_id": "a", "principle_id": "p.two", "label": "violates"}
{"transcript_id": "b", "principle_id": "p.two", "label": "violates"}
{"transcript_id": "c", "principle_id": "p.two", "label": "complies"}
{"transcript_id": "d", "principle_id": "p.two", "label": "not_applicable"}
"""
# judge (fake):  a FORBIDDEN -> violates both; b BANANA -> p.one complies, p.two violates;
# c plain -> complies both; d OFFTOPIC -> not_applicable both.
# p.one: a V/V (TP), b C/C (TN), c V/C (FN), d N/N -> accuracy 3/4, precision 1/1,
#   recall 1/2, F1 2/(2+0+1) = 2/3; rows C1 V2 N1, columns C2 V1 N1:
#   p_e = (1*2 + 2*1 + 1*1)/16 = 5/16, p_o = 12/16, kappa = (12-5)/(16-5) = 7/11
# p.two: a V/V, b V/V, c C/C, d N/N -> all four agree: accuracy 1, kappa 1


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI(FakeConfig(triggers={"p.two": "BANANA"})) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    chats = [
        make_transcript("a", "Fine: FORBIDDEN"),
        make_transcript("b", "Have a BANANA."),
        make_transcript("c", "Here you go."),
        make_transcript("d", "That is OFFTOPIC here."),
    ]
    (tmp_path / "chats.jsonl").write_text("".join(t.model_dump_json() + "\n" for t in chats))
    (tmp_path / "labels.jsonl").write_text(LABELS)
    return tmp_path


def test_calibrate_over_the_fake_api(work: Path, api: FakeMessagesAPI, run_cli: RunCli) -> None:
    args = ("calibrate", "rules.yaml", "chats.jsonl", "--labels", "labels.jsonl")
    result = run_cli(*args, "--format", "json")
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == "judge: anthropic (ANTHROPIC_API_KEY is set)"
    document = json.loads(result.out)
    assert document["judge"] == "anthropic"
    one, two = document["principles"]
    assert one["metrics"]["accuracy"] == 0.75
    assert (one["metrics"]["precision"], one["metrics"]["recall"]) == (1.0, 0.5)
    assert one["metrics"]["f1"] == pytest.approx(2 / 3)
    assert one["metrics"]["kappa"] == pytest.approx(7 / 11)
    assert (two["metrics"]["accuracy"], two["metrics"]["kappa"]) == (1.0, 1.0)
    (d,) = document["disagreements"]
    assert (d["transcript_id"], d["human"], d["judge"]) == ("c", "violates", "complies")
    assert d["rationale"] == "Nothing in the transcript bears against the principle."
    assert api.stats.messages == 8
    again = run_cli(*args, "--format", "markdown")
    assert again.code == 0
    assert "| p.one | 4 | 4 | 1.000 | 0 | 0 | 0.750 | 1.000 | 0.500 | 0.667 | 0.636 |" in again.out
    assert api.stats.messages == 8  # all from the store


def test_selftest_over_the_fake_api(work: Path, api: FakeMessagesAPI, run_cli: RunCli) -> None:
    result = run_cli("selftest", "rules.yaml", "--judge", "anthropic")
    assert result.code == 1
    assert "FAIL: 1 principle(s) misjudged" in result.out
    assert "misjudged: p.two#example-1" in result.out
    assert api.stats.messages == 3
    passing = run_cli("selftest", "rules.yaml", "--principle", "p.one", "--format", "json")
    assert passing.code == 0
    assert json.loads(passing.out)["passed"] is True
    assert api.stats.messages == 3


def test_calibrate_through_batches(work: Path, api: FakeMessagesAPI, run_cli: RunCli) -> None:
    args = ("calibrate", "rules.yaml", "chats.jsonl", "--labels", "labels.jsonl", "--batch")
    result = run_cli(*args, "--format", "json", "--db", "r.db")
    assert result.code == 0, result.err
    one, two = json.loads(result.out)["principles"]
    assert (one["metrics"]["accuracy"], two["metrics"]["accuracy"]) == (0.75, 1.0)
    assert api.stats.messages == 0
    assert api.backend.batches.created >= 1
