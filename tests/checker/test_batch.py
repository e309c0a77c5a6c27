"""Checks through the Message Batches API against the fake batch server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.errors import JudgeConfigError
from checker.runner import arun_check, run_check
from checker.store import open_store
from checker.verdict import Outcome
from tests.checker.anthropic_helpers import CONSTITUTION, make_judge
from tests.checker.batch_worker import transcripts
from tests.checker.stub_judge import StubJudge
from tests.fakeapi import BatchFaults, FakeConfig, FakeMessagesAPI

PRINCIPLES = len(CONSTITUTION.active_principles())


_transcripts = transcripts


def _check(api: FakeMessagesAPI, db: Path, **options: object):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with make_judge(api) as judge:
            with open_store(db) as store:
                return await arun_check(
                    CONSTITUTION, _transcripts(), judge, store, batch=True, poll_s=0.02, **options
                )

    return asyncio.run(go())


def test_a_batch_check_makes_no_interactive_calls(tmp_path: Path) -> None:
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.05)) as api:
        result = _check(api, tmp_path / "r.db")
        assert api.stats.messages == 0
        assert api.backend.batches.created == 1
    t = result.totals
    assert (t.judgments, t.errors, t.calls, t.batches) == (4 * PRINCIPLES, 0, 0, 1)
    assert t.violations == PRINCIPLES
    assert result.run.status == "complete"
    assert t.cost_usd > 0


def test_batch_usage_is_priced_at_half_the_interactive_rate(tmp_path: Path) -> None:
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.01)) as api:
        batch = _check(api, tmp_path / "b.db")
    with FakeMessagesAPI() as api:  # a cold prompt cache again
        interactive = run_check_interactive(api, tmp_path / "i.db")
    b, i = batch.totals, interactive.totals
    tokens = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")
    assert [getattr(b, k) for k in tokens] == [getattr(i, k) for k in tokens]
    assert b.cost_usd == pytest.approx(i.cost_usd / 2)


def run_check_interactive(api: FakeMessagesAPI, db: Path):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with make_judge(api) as judge:
            with open_store(db) as store:
                return await arun_check(CONSTITUTION, _transcripts(), judge, store, concurrency=1)

    return asyncio.run(go())


def test_expired_and_transient_results_are_retried_in_follow_up_batches(tmp_path: Path) -> None:
    faults = BatchFaults(rate=0.5, kinds=("expired", "api_error", "overloaded_error"), seed=3)
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.01, batch_faults=faults)) as api:
        result = _check(api, tmp_path / "r.db")
        assert api.backend.batches.created == 2
    assert result.totals.errors == 0
    assert result.totals.batches == 2


def test_results_failing_every_attempt_become_errors(tmp_path: Path) -> None:
    faults = BatchFaults(rate=1.0, kinds=("overloaded_error",), first_attempt_only=False)
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.01, batch_faults=faults)) as api:
        result = _check(api, tmp_path / "r.db")
        assert api.backend.batches.created == 3
    t = result.totals
    assert (t.errors, t.graded) == (4 * PRINCIPLES, 0)
    errors = {v.error for v in result.verdicts}
    assert errors == {"overloaded_error: fake overloaded_error (after 3 batches)"}


def test_invalid_requests_are_errors_at_once(tmp_path: Path) -> None:
    faults = BatchFaults(rate=1.0, kinds=("invalid_request_error",), first_attempt_only=False)
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.01, batch_faults=faults)) as api:
        result = _check(api, tmp_path / "r.db")
        assert api.backend.batches.created == 1
    assert all(v.outcome is Outcome.ERROR for v in result.verdicts)


def test_no_wait_submits_and_resume_collects_without_resubmitting(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.3)) as api:
        first = _check(api, db, wait=False)
        assert first.run.status == "submitted"
        assert (first.totals.judgments, first.totals.not_graded) == (0, 4 * PRINCIPLES)
        assert "still in batches (--no-wait)" in (first.totals.stopped or "")
        again = _check(api, db, resume=first.run.id)
        assert api.backend.batches.created == 1
        assert api.stats.messages == 0
    assert again.run.status == "complete"
    assert again.totals.judgments == 4 * PRINCIPLES
    assert again.totals.batches == 1


def test_a_canceled_batch_leaves_its_judgments_not_graded(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with FakeMessagesAPI(FakeConfig(batch_delay_s=30)) as api:
        _check(api, db, wait=False)
        (batch_id,) = list(api.backend.batches.batches)
        api.backend.batches.route("POST", f"/v1/messages/batches/{batch_id}/cancel", "", "", b"")
        again = _check(api, db, resume=1)
        assert api.backend.batches.created == 1
    t = again.totals
    assert (t.judgments, t.not_graded) == (0, 4 * PRINCIPLES)
    assert "canceled with their batch" in (t.stopped or "")
    assert again.run.status == "stopped"


def test_a_judge_without_batching_refuses_batch(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store, pytest.raises(JudgeConfigError) as caught:
        run_check(CONSTITUTION, _transcripts(), StubJudge(), store, batch=True)
    assert "the stub judge cannot grade through a batch API" in str(caught.value)


class Crash(BaseException):
    """Stands for the process dying at that point."""


def test_a_crash_between_create_and_storing_the_id_is_reconciled_not_resubmitted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from checker.store import Store

    db = tmp_path / "r.db"
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.05)) as api:
        monkeypatch.setattr(Store, "batch_submitted", _dies_before(Store.batch_submitted))
        with pytest.raises(Crash):
            _check(api, db)
        monkeypatch.undo()
        with open_store(db) as store:
            assert [b.state for b in store.batches()] == ["preparing"]
        again = _check(api, db, resume=1)
        assert api.backend.batches.created == 1
    assert again.totals.judgments == 4 * PRINCIPLES
    assert again.totals.errors == 0


def test_a_crash_before_create_sends_the_batch_on_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from checker.judges.anthropic._batch import AnthropicBatching

    db = tmp_path / "r.db"
    with FakeMessagesAPI(FakeConfig(batch_delay_s=0.05)) as api:

        async def dead(*args: object, **kwargs: object) -> object:
            raise Crash

        monkeypatch.setattr(AnthropicBatching, "create", dead)
        with pytest.raises(Crash):
            _check(api, db)
        monkeypatch.undo()
        again = _check(api, db, resume=1)
        assert api.backend.batches.created == 1
    assert again.totals.judgments == 4 * PRINCIPLES
    with open_store(db) as store:
        assert sorted(b.state for b in store.batches()) == ["collected", "unsent"]


def _dies_before(method):  # type: ignore[no-untyped-def]
    def dying(*args: object, **kwargs: object) -> None:
        raise Crash

    return dying


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_while_polling_then_resume_creates_no_batch_again(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    root = Path(__file__).resolve().parents[2]
    with FakeMessagesAPI(FakeConfig(batch_delay_s=3.0)) as api:
        command = [sys.executable, "-m", "tests.checker.batch_worker", str(db), api.base_url]
        worker = subprocess.Popen(command, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        deadline = time.monotonic() + 60
        while api.backend.batches.created == 0:
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)  # the batch id is stored; the worker polls
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        again = _check(api, db, resume=1)
        assert api.backend.batches.created == 1
        assert api.stats.messages == 0
    assert again.totals.judgments == 4 * PRINCIPLES


def test_one_hour_cache_writes_are_priced_at_their_batch_rate(tmp_path: Path) -> None:
    from checker.pricing import price_for

    results = {}
    for ttl in ("5m", "1h"):
        with FakeMessagesAPI(FakeConfig(batch_delay_s=0.01, batch_write_ttl=ttl)) as api:
            results[ttl] = _check(api, tmp_path / f"{ttl}.db").totals
    writes = results["1h"].cache_write_tokens
    assert writes > 0 and writes == results["5m"].cache_write_tokens
    price = price_for(make_judge_model()).at_batch_rate()
    extra = writes * (price.cache_write_1h - price.cache_write) / 1_000_000
    assert results["1h"].cost_usd == pytest.approx(results["5m"].cost_usd + extra)
    assert price.cache_write_1h == pytest.approx(price_for(make_judge_model()).input)  # 2x / 2


def make_judge_model() -> str:
    from checker.judges.anthropic import DEFAULT_MODEL

    return DEFAULT_MODEL
