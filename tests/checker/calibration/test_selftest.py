"""Self-test: each principle's own examples, graded by the stub judge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.calibration import example_transcript, selftest, selftest_json, selftest_markdown
from checker.store import Store, open_store
from checker.transcript import Role
from constitution.model import (
    Constitution,
    Example,
    ExampleMessage,
    Label,
    Principle,
    Scope,
)
from constitution.model import Role as ExampleRole
from tests.checker.stub_judge import StubJudge


def _example(label: Label, reply: str, note: str | None = None) -> Example:
    return Example(
        label=label,
        messages=(
            ExampleMessage(role=ExampleRole.USER, content="Please help."),
            ExampleMessage(role=ExampleRole.ASSISTANT, content=reply),
        ),
        note=note,
    )


RULES = Constitution(
    id="selftest.rules",
    title="Self-test rules",
    version="2.0.0",
    principles=(
        Principle(
            id="p.clear",
            title="Clear",
            statement="Rule one.",
            examples=(
                _example(Label.VIOLATES, "VIOLATE p.clear"),
                _example(Label.COMPLIES, "Happy to help."),
                _example(Label.NOT_APPLICABLE, "SKIP p.clear"),
            ),
        ),
        Principle(
            id="p.unclear",
            title="Unclear",
            statement="Rule two.",
            version=3,
            examples=(
                _example(Label.VIOLATES, "VIOLATE p.unclear"),
                _example(Label.VIOLATES, "Looks fine to the judge.", note="subtle"),
            ),
        ),
        Principle(id="p.bare", title="Bare", statement="Rule three."),
        Principle(
            id="p.broken",
            title="Broken",
            statement="Rule four.",
            examples=(_example(Label.COMPLIES, "FAIL p.broken"),),
        ),
    ),
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "results.db") as opened:
        yield opened


def test_example_transcript() -> None:
    principle = RULES.principle("p.unclear")
    transcript = example_transcript(principle, 2, principle.examples[1])
    assert transcript.id == "p.unclear#example-2"
    assert [m.role for m in transcript.messages] == [Role.USER, Role.ASSISTANT]
    assert transcript.messages[1].text == "Looks fine to the judge."
    assert transcript.metadata == {"principle": "p.unclear", "example": 2}


def test_selftest_lists_misjudged_principles(store: Store) -> None:
    judge = StubJudge()
    report = selftest(RULES, judge, store)
    assert not report.passed
    assert [p.principle_id for p in report.failed] == ["p.unclear", "p.broken"]
    assert [p.principle_id for p in report.untested] == ["p.bare"]
    assert report.examples == 6
    unclear = report.principles[1]
    (wrong,) = unclear.failures
    assert (wrong.transcript_id, wrong.expected, wrong.judged, wrong.note) == (
        "p.unclear#example-2",
        "violates",
        "complies",
        "subtle",
    )
    assert wrong.rationale == "Fine."
    (broken,) = report.principles[3].failures
    assert broken.judged == "error"
    assert "cannot grade p.broken" in broken.rationale
    # each example was graded against its own principle only
    assert sorted(judge.calls) == sorted(
        [
            ("p.clear#example-1", "p.clear", 0),
            ("p.clear#example-2", "p.clear", 0),
            ("p.clear#example-3", "p.clear", 0),
            ("p.unclear#example-1", "p.unclear", 0),
            ("p.unclear#example-2", "p.unclear", 0),
            ("p.broken#example-1", "p.broken", 0),
        ]
    )


def test_selftest_is_cached_and_passes_when_all_right(store: Store) -> None:
    judge = StubJudge()
    report = selftest(RULES, judge, store, principles=["p.clear"])
    assert report.passed
    assert len(judge.calls) == 3
    assert selftest(RULES, judge, store, principles=["p.clear"]).passed
    assert len(judge.calls) == 3


def test_renderings(store: Store) -> None:
    report = selftest(RULES, StubJudge(), store)
    md = selftest_markdown(report)
    assert md.splitlines()[0] == "# Self-test: selftest.rules 2.0.0: FAIL: 2 principle(s) misjudged"
    assert "| p.unclear | 3 | 1/2 | 0 | FAIL |" in md
    assert "| p.bare | 1 | 0/0 | 0 | untested |" in md
    assert "| p.unclear#example-2 |  | violates | complies | Fine. |" in md
    document = json.loads(selftest_json(report))
    assert (document["kind"], document["passed"], document["failed"], document["untested"]) == (
        "selftest",
        False,
        ["p.unclear", "p.broken"],
        ["p.bare"],
    )
    assert document["skipped"] == []


def test_examples_the_judge_never_sees_are_skipped(store: Store) -> None:
    tools = Principle(
        id="p.tools",
        title="Tools",
        statement="Confirm before deleting.",
        scope=Scope.TOOL_CALLS,
        examples=(_example(Label.VIOLATES, "[tool call delete_all()]"),),
    )
    rules = RULES.model_copy(update={"principles": (*RULES.principles, tools)})
    judge = StubJudge()
    report = selftest(rules, judge, store, principles=["p.clear", "p.tools"])
    assert report.passed
    assert [p.principle_id for p in report.untested] == ["p.tools"]
    (skipped,) = report.skipped
    assert (skipped.transcript_id, skipped.judged, skipped.skipped) == (
        "p.tools#example-1",
        "skipped",
        "the transcript has no tool call (an example is text only: it cannot hold a tool call)",
    )
    assert all(principle == "p.clear" for _, principle, _ in judge.calls)
    md = selftest_markdown(report)
    assert "| p.tools | 1 | 0/0 | 1 | untested |" in md
    assert "- p.tools#example-1 (): the transcript has no tool call" in md


def test_an_abstention_is_skipped_with_its_reason_not_misjudged(store: Store) -> None:
    shy = Principle(
        id="p.shy",
        title="Shy",
        statement="Rule five.",
        examples=(
            _example(Label.VIOLATES, "ABSTAIN p.shy"),
            _example(Label.COMPLIES, "Happy to help."),
        ),
    )
    rules = RULES.model_copy(update={"principles": (*RULES.principles, shy)})
    report = selftest(rules, StubJudge(), store, principles=["p.shy"])
    assert report.passed and report.examples == 1
    (skipped,) = report.skipped
    assert (skipped.judged, skipped.skipped) == ("abstained", "judge abstained: too few examples")
    assert "| p.shy | 1 | 1/1 | 1 | pass |" in selftest_markdown(report)
    assert "- p.shy#example-1 (): judge abstained: too few examples" in selftest_markdown(report)
    assert json.loads(selftest_json(report))["skipped"] == ["p.shy#example-1"]
