"""A run with a cascade judge records what the screen settled in ``totals.cascade``."""

from __future__ import annotations

from pathlib import Path

from checker.judges.cascade import CascadeJudge
from checker.output import render
from checker.runner import run_check
from checker.store import open_store
from checker.verdict import Outcome
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript
from tests.checker.test_cascade import FixedJudge, StrongJudge


def test_totals_count_screened_escalated_and_saved(tmp_path: Path) -> None:
    rules = make_constitution("p.one", "p.two")
    chats = [make_transcript(f"t{i}", "Fine.", f"question {i}") for i in range(3)]
    cascade = CascadeJudge(FixedJudge(Outcome.COMPLIES, 0.2), StrongJudge())
    with open_store(tmp_path / "r.db") as store:
        result = run_check(rules, chats, cascade, store)
        cascade_totals = result.totals.cascade
        assert cascade_totals is not None
        assert cascade_totals.model_dump() == {
            "screen": "fixed",
            "strong": "strong",
            "screened": 6,
            "escalated": 6,
            "saved": 0,
        }
        confident = CascadeJudge(FixedJudge(Outcome.COMPLIES, 0.9), StrongJudge())
        again = run_check(rules, [make_transcript("t9", "Fine.")], confident, store)
        assert again.totals.cascade is not None
        assert (again.totals.cascade.screened, again.totals.cascade.saved) == (2, 2)
        assert '"cascade": {' in render(again, "json")


def test_other_judges_leave_it_null(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        result = run_check(make_constitution("p"), [make_transcript("t", "x")], StubJudge(), store)
    assert result.totals.cascade is None
    assert '"cascade": null' in render(result, "json")
