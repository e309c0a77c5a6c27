"""distill: the local judge fitted on stored verdicts of a stronger judge reproduces them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.distill import DistillError, distill
from checker.judges import make_judge
from checker.judges.local import LocalJudge
from checker.runner import run_check
from checker.store import Store, StoreError, open_store
from checker.verdict import Outcome
from constitution.load import load_constitution
from constitution.model import Constitution
from tests.checker.claude_stub import CONSTITUTION, ClaudeStub, conversations, expected, registered


@pytest.fixture
def claude() -> Iterator[list[ClaudeStub]]:
    yield from registered()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "results.db") as opened:
        yield opened


@pytest.fixture
def rules() -> Constitution:
    return load_constitution(CONSTITUTION)


def test_the_fitted_judge_reproduces_the_stored_verdicts(
    claude: list[ClaudeStub], store: Store, rules: Constitution
) -> None:
    run_check(rules, conversations(), make_judge("anthropic"), store)
    judge, report = distill(store, rules)
    assert report.pairs == {
        "help.no-needless-refusal": {"complies": 14, "violates": 6},
        "harm.declines-dangerous": {"complies": 16, "violates": 4},
        "style.plain-words": {"complies": 20},
    }
    assert report.out_of_scope == 20  # agent.confirm-deletes: no transcript has a tool call
    assert set(report.fitted) == {"help.no-needless-refusal", "harm.declines-dangerous"}
    assert report.fitted["help.no-needless-refusal"] == {"complies": 14 + 3, "violates": 6 + 2}
    assert report.skipped == {"style.plain-words": "only one label in the data: ['complies']"}
    for principle_id in report.fitted:
        principle = rules.principle(principle_id)
        for transcript in conversations():
            verdict = judge.judge(transcript, principle)
            assert verdict.judge == "local"
            assert verdict.outcome is expected(transcript, principle_id), transcript.id
            assert "fitted on 25 labelled pairs" in verdict.rationale


def test_the_model_file_round_trips_through_make_judge(
    claude: list[ClaudeStub], store: Store, rules: Constitution, tmp_path: Path
) -> None:
    run_check(rules, conversations(), make_judge("anthropic"), store)
    judge, _ = distill(store, rules)
    judge.save(tmp_path / "model.json")
    loaded = make_judge("local", model=str(tmp_path / "model.json"))
    assert isinstance(loaded, LocalJudge)
    assert loaded.model == judge.model
    assert set(loaded.models) == set(judge.models)


def test_cascade_verdicts_count_only_where_claude_made_them(
    claude: list[ClaudeStub], store: Store, rules: Constitution
) -> None:
    from checker.judges.cascade import CascadeJudge

    cascade = CascadeJudge(LocalJudge(), make_judge("anthropic"))
    run_check(rules, conversations(), cascade, store, principles=["help.no-needless-refusal"])
    _, report = distill(store, rules)
    escalated = cascade.stats.escalated
    assert sum(report.pairs["help.no-needless-refusal"].values()) == escalated > 0


def test_filters_by_run_and_by_model(
    claude: list[ClaudeStub], store: Store, rules: Constitution
) -> None:
    first = run_check(rules, conversations()[:10], make_judge("anthropic"), store)
    run_check(rules, conversations()[10:], make_judge("anthropic", model="other"), store)
    _, from_first = distill(store, rules, runs=[first.run.id])
    assert from_first.total_pairs == 10 * 3
    _, other = distill(store, rules, model="other")
    assert other.total_pairs == 10 * 3
    _, both = distill(store, rules, runs=["latest", first.run.id])
    assert both.total_pairs == 20 * 3
    with pytest.raises(StoreError, match="no run 99"):
        distill(store, rules, runs=[99])


def test_verdicts_for_an_earlier_principle_version_are_not_used(
    claude: list[ClaudeStub], store: Store, rules: Constitution
) -> None:
    run_check(rules, conversations(), make_judge("anthropic"), store)
    changed = rules.model_copy(
        update={
            "principles": tuple(
                p.model_copy(update={"statement": p.statement + " Changed.", "version": 2})
                for p in rules.principles
            )
        }
    )
    with pytest.raises(DistillError) as caught:
        distill(store, changed)
    message = str(caught.value)
    assert "no usable stored verdicts by anthropic" in message
    assert "80 were made for earlier versions of its principles" in message


def test_empty_store_and_local_verdicts_give_a_clear_error(
    store: Store, rules: Constitution
) -> None:
    with pytest.raises(DistillError, match="no usable stored verdicts by anthropic for the"):
        distill(store, rules)
    run_check(rules, conversations(), LocalJudge(), store)
    with pytest.raises(DistillError, match="no usable stored verdicts by anthropic"):
        distill(store, rules)
    with pytest.raises(DistillError, match="local judge's own verdicts"):
        distill(store, rules, judge_name="local")


def test_only_one_label_everywhere_is_an_error(
    claude: list[ClaudeStub], store: Store, rules: Constitution
) -> None:
    run_check(rules, conversations(), make_judge("anthropic"), store)
    only_style = rules.model_copy(update={"principles": (rules.principle("style.plain-words"),)})
    with pytest.raises(DistillError, match="no principle could be fitted from 20 verdicts"):
        distill(store, only_style)


def test_errors_are_not_labels(store: Store, rules: Constitution, claude: list[ClaudeStub]) -> None:
    run_check(rules, conversations(), make_judge("anthropic"), store)
    n = sum(1 for v in store.iter_verdicts() if v.outcome is not Outcome.ERROR)
    assert n == 80
