"""``check --batch``, ``--no-wait``, ``--resume`` and ``constitution batches`` over the fake API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli
from tests.cli.conftest import StubJudges as _Judges
from tests.fakeapi import FakeConfig, FakeMessagesAPI

CONSTITUTION = """\
constitution: 1
id: batch-rules
title: Rules graded in batches
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Never say the forbidden word.
  - id: p.two
    title: Rule two
    statement: Be kind.
"""


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.05)) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    replies = ["FORBIDDEN", "Fine.", "Also fine."]
    lines = [make_transcript(f"t{i}", r, f"q{i}").model_dump_json() for i, r in enumerate(replies)]
    (tmp_path / "chats.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


CHECK = ("check", "rules.yaml", "chats.jsonl", "--judge", "anthropic", "--db", "r.db")


def test_batch_check_grades_without_interactive_calls(
    work: Path, api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    result = run_cli(*CHECK, "--batch", "--format", "json")
    assert result.code == 0, result.err
    totals = json.loads(result.out)["totals"]
    assert (totals["judgments"], totals["calls"], totals["batches"]) == (6, 0, 1)
    assert totals["violations"] == 2
    assert api.stats.messages == 0
    assert "batches: 1 submitted (1 now), " in result.err  # 0 or 1 ended when first polled
    assert " ended; 6 judgments; " in result.err


def test_no_wait_then_batches_then_resume_collects(
    work: Path, api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    submitted = run_cli(*CHECK, "--batch", "--no-wait", "--fail-on", "violates")
    assert submitted.code == 1
    assert "submitted: 6 judgments not graded (6 still in batches (--no-wait));" in submitted.err
    assert "--resume 1 grades them" in submitted.err
    listed = run_cli("batches", "--db", "r.db", "--judge", "anthropic", "--json")
    (row,) = [json.loads(line) for line in listed.out.splitlines()]
    assert (row["run"], row["state"], row["requests"]) == (1, "submitted", 6)
    collected = run_cli(*CHECK, "--resume", "1", "--format", "json")
    assert collected.code == 0, collected.err
    totals = json.loads(collected.out)["totals"]
    assert (totals["judgments"], totals["not_graded"], totals["batches"]) == (6, 0, 1)
    assert api.backend.batches.created == 1


def test_batches_cancel_keeps_the_judgments_undone(
    work: Path, api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    api.config.batch_delay_s = 60
    run_cli(*CHECK, "--batch", "--no-wait")
    (batch_id,) = list(api.backend.batches.batches)
    canceled = run_cli("batches", "--db", "r.db", "--judge", "anthropic", "--cancel", batch_id)
    assert canceled.code == 0, canceled.err
    assert f"canceling {batch_id}: ended" in canceled.err
    again = run_cli(*CHECK, "--resume", "1", "--format", "json")
    totals = json.loads(again.out)["totals"]
    assert (totals["judgments"], totals["not_graded"]) == (0, 6)
    assert api.backend.batches.created == 1


def test_dry_run_batch_estimates_at_batch_prices(
    work: Path, api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    result = run_cli(*CHECK, "--batch", "--dry-run")
    assert result.code == 0, result.err
    assert "  batch estimate: $" in result.out
    assert "if no request hits the cache" in result.out
    assert api.stats.requests == 0


def test_a_judge_that_cannot_batch_refuses_batch(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--db", "r.db", "--batch")
    assert result.code == 2
    assert "cannot grade through a batch API" in result.err
    assert judges.calls == 0


def test_no_wait_needs_batch(work: Path, run_cli: RunCli) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--db", "r.db", "--no-wait")
    assert result.code == 2
    assert "only with --batch" in result.err
