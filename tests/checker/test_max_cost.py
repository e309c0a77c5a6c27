"""The spending cap: no work starts that would pass it; what is left is not graded."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from checker.gate import gate_failures
from checker.output import judgments_line
from checker.runner import run_check
from checker.store import Store, open_store
from checker.transcript import Transcript
from checker.verdict import Usage
from constitution.model import Constitution, Principle
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript

CONSTITUTION = make_constitution("p.one", "p.two", "p.three")


class EstimatingStub(StubJudge):
    """The stub ($0.001 a call) with an estimate of $0.001 a judgment."""

    async def estimate(
        self,
        transcript: Transcript,
        principles: Sequence[Principle],
        constitution: Constitution,
        *,
        grouped: bool = False,
    ) -> Usage:
        return Usage(input_tokens=100 * len(principles), cost_usd=0.001 * len(principles))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "results.db") as opened:
        yield opened


def _transcripts() -> list[Transcript]:
    return [make_transcript(f"t{i}", f"Fine {i}.") for i in range(4)]


def test_the_estimate_keeps_work_from_starting_past_the_cap(store: Store) -> None:
    judge = EstimatingStub()
    result = run_check(CONSTITUTION, _transcripts(), judge, store, concurrency=1, max_cost=0.0035)
    t = result.totals
    assert len(judge.calls) == 3
    assert (t.judgments, t.not_graded, t.calls) == (3, 9, 3)
    assert t.cost_usd == pytest.approx(0.003)
    assert "would pass the cap" in (t.stopped or "")
    assert result.run.status == "stopped"
    assert "; 9 more not graded (--max-cost $0.0035" in judgments_line(result)


def test_the_measured_spend_stops_a_judge_without_an_estimate(store: Store) -> None:
    judge = StubJudge()
    result = run_check(CONSTITUTION, _transcripts(), judge, store, concurrency=1, max_cost=0.0035)
    t = result.totals
    assert len(judge.calls) == 4  # the fourth passes the cap: nothing starts after it
    assert (t.judgments, t.not_graded) == (4, 8)
    assert "reached the cap" in (t.stopped or "")


def test_not_graded_judgments_fail_every_gate(store: Store) -> None:
    result = run_check(CONSTITUTION, _transcripts(), EstimatingStub(), store, max_cost=0.0)
    assert result.totals.not_graded == 12
    assert result.totals.judgments == 0
    for gate in ("violates", "error", "abstained"):
        (reason,) = gate_failures(result, [gate])
        assert "12 judgments not graded" in reason
    assert gate_failures(result, []) == []


def test_a_stopped_run_resumed_with_a_higher_cap_grades_the_rest(store: Store) -> None:
    first = run_check(CONSTITUTION, _transcripts(), EstimatingStub(), store, max_cost=0.005)
    assert first.totals.not_graded > 0
    judge = EstimatingStub()
    again = run_check(CONSTITUTION, _transcripts(), judge, store, resume=first.run.id, max_cost=1.0)
    assert len(judge.calls) == first.totals.not_graded
    assert (again.totals.judgments, again.totals.not_graded) == (12, 0)
    assert again.run.status == "complete"
    assert again.totals.stopped is None


def test_one_cap_spans_the_runs_of_a_command(store: Store) -> None:
    import asyncio

    from checker.errors import CheckerError
    from checker.runner import SpendingCap, arun_check

    cap = SpendingCap(0.0045, "behaviour diff")
    check = cap.checker(arun_check)
    judge = StubJudge()
    first = asyncio.run(check(CONSTITUTION, _transcripts()[:1], judge, store, concurrency=1))
    assert first.totals.judgments == 3 and cap.remaining() == pytest.approx(0.0015)
    with pytest.raises(CheckerError) as caught:
        asyncio.run(check(CONSTITUTION, _transcripts()[1:], judge, store, concurrency=1))
    assert "the behaviour diff would be incomplete" in str(caught.value)
    assert len(judge.calls) == 5
