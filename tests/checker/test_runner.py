from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.errors import CheckerError, TranscriptError
from checker.runner import CheckProgress, load_run, plan_check, run_check
from checker.store import Store, open_store
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Outcome, Usage
from constitution.model import Constitution, Principle, Scope, Status
from tests.checker.stub_judge import (
    GroupedStubJudge,
    StubJudge,
    make_constitution,
    make_transcript,
)

CONSTITUTION = make_constitution("p.one", "p.two", "p.three")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "results.db") as opened:
        yield opened


def _transcripts(n: int = 4) -> list[Transcript]:
    replies = {0: "VIOLATE p.one", 1: "FAIL p.two", 2: "INVENT p.three\nSKIP p.one"}
    return [make_transcript(f"t{i}", replies.get(i, "All good."), f"q{i}") for i in range(n)]


def test_every_pair_is_graded_and_summarised(store: Store) -> None:
    judge = StubJudge()
    result = run_check(CONSTITUTION, _transcripts(), judge, store)
    assert len(judge.calls) == 12
    t = result.totals
    assert (t.pairs, t.judgments, t.calls, t.cache_hits, t.errors) == (12, 12, 12, 0, 1)
    assert (t.violations, t.unsupported_violations, t.unverified_quotes) == (2, 1, 1)
    assert t.input_tokens == 1100  # the failed call reported no usage
    assert t.cost_usd == pytest.approx(0.011)
    rates = {p.principle_id: p.violation_rate for p in result.principles}
    assert rates == {"p.one": pytest.approx(1 / 3), "p.two": 0.0, "p.three": 0.25}
    assert [p.principle_id for p in result.principles] == ["p.one", "p.two", "p.three"]
    assert [w.transcript_id for w in result.worst_transcripts] == ["t0", "t2", "t1"]
    assert result.run.status == "complete"


def test_a_repeated_check_makes_no_judge_calls(store: Store) -> None:
    run_check(CONSTITUTION, _transcripts(), StubJudge(), store)
    again = StubJudge()
    result = run_check(CONSTITUTION, _transcripts(), again, store)
    # only the error is retried
    assert again.calls == [("t1", "p.two", 0)]
    assert result.totals.cache_hits == 11
    assert result.totals.calls == 1
    clean = [make_transcript(f"t{i}", "All good.", f"q{i}") for i in range(3)]
    run_check(CONSTITUTION, clean, StubJudge(), store)
    third = StubJudge()
    result = run_check(CONSTITUTION, clean, third, store)
    assert third.calls == []
    assert (result.totals.calls, result.totals.cache_hits, result.totals.cost_usd) == (0, 9, 0)


def test_cache_is_keyed_by_content_not_ids(store: Store) -> None:
    run_check(CONSTITUTION, [make_transcript("a", "VIOLATE p.one")], StubJudge(), store)
    judge = StubJudge()
    result = run_check(CONSTITUTION, [make_transcript("b", "VIOLATE p.one")], judge, store)
    assert judge.calls == []
    assert {v.transcript_id for v in result.verdicts} == {"b"}


def test_a_changed_principle_or_model_is_graded_again(store: Store) -> None:
    transcripts = _transcripts(2)
    run_check(CONSTITUTION, transcripts, StubJudge(), store)
    edited = CONSTITUTION.model_copy(
        update={
            "principles": (
                CONSTITUTION.principles[0].model_copy(update={"statement": "Changed."}),
                *CONSTITUTION.principles[1:],
            )
        }
    )
    judge = StubJudge()
    run_check(edited, transcripts, judge, store)
    assert sorted(judge.calls) == [("t0", "p.one", 0), ("t1", "p.one", 0), ("t1", "p.two", 0)]
    other_model = StubJudge(model="stub-model-2")
    run_check(CONSTITUTION, transcripts, other_model, store)
    assert len(other_model.calls) == 6


def test_no_error_is_ever_counted_as_complies(store: Store) -> None:
    transcripts = [make_transcript(f"t{i}", "FAIL p.one\nFAIL p.two", f"q{i}") for i in range(3)]
    result = run_check(CONSTITUTION, transcripts, StubJudge(), store, samples=3)
    failing = [p for p in result.pairs if p.principle_id != "p.three"]
    assert failing and all(p.outcome is Outcome.ERROR for p in failing)
    summary = {p.principle_id: p for p in result.principles}
    assert summary["p.one"].complies == 0 and summary["p.one"].errors == 3
    assert summary["p.one"].violation_rate is None
    errors = [v for v in result.verdicts if v.outcome is Outcome.ERROR]
    assert len(errors) == 18
    assert all(v.error and "StubJudgeError" in v.error and v.score is None for v in errors)
    assert result.has_errors


def test_samples_give_majority_agreement_and_unstable_pairs(store: Store) -> None:
    transcripts = [make_transcript("t0", "FLIP p.one\nVIOLATE p.two")]
    result = run_check(CONSTITUTION, transcripts, StubJudge(), store, samples=3)
    pairs = {p.principle_id: p for p in result.pairs}
    flip = pairs["p.one"]
    assert flip.samples == (Outcome.COMPLIES, Outcome.VIOLATES, Outcome.COMPLIES)
    assert flip.outcome is Outcome.COMPLIES
    assert flip.agreement == pytest.approx(2 / 3) and flip.unstable
    assert pairs["p.two"].outcome is Outcome.VIOLATES and not pairs["p.two"].unstable
    assert result.totals.unstable_pairs == 1
    assert result.totals.judgments == 9


def test_tie_between_samples_goes_to_violates(store: Store) -> None:
    result = run_check(
        CONSTITUTION,
        [make_transcript("t0", "FLIP p.one")],
        StubJudge(),
        store,
        samples=2,
        principles=["p.one"],
    )
    assert result.pairs[0].outcome is Outcome.VIOLATES and result.pairs[0].agreement == 0.5


def test_concurrency_is_bounded(store: Store) -> None:
    judge = StubJudge(delay=0.01)
    run_check(CONSTITUTION, _transcripts(8), judge, store, concurrency=3)
    assert judge.max_in_flight == 3
    assert len(judge.calls) == 24


def test_one_judgment_per_transcript_goes_first(store: Store) -> None:
    judge = StubJudge(delay=0.01)
    run_check(CONSTITUTION, _transcripts(3), judge, store, concurrency=8)
    # the first three calls to finish are one per transcript (the cache-warming calls)
    assert sorted(t for t, _, _ in judge.calls[:3]) == ["t0", "t1", "t2"]


def test_grouped_mode_uses_grade_many(store: Store) -> None:
    judge = GroupedStubJudge()
    result = run_check(CONSTITUTION, _transcripts(), judge, store, mode="grouped", samples=2)
    assert judge.grouped_calls == 8 and judge.calls == []
    assert result.totals.calls == 8 and result.totals.judgments == 24
    assert result.run.mode == "grouped"
    missing = [v for v in result.verdicts if v.outcome is Outcome.ERROR]
    assert {(v.transcript_id, v.principle_id) for v in missing} == {("t1", "p.two")}
    assert "no verdict for p.two" in (missing[0].error or "")


def test_grouped_mode_falls_back_without_grade_many(store: Store) -> None:
    result = run_check(CONSTITUTION, _transcripts(2), StubJudge(), store, mode="grouped")
    assert result.run.mode == "per-principle" and result.totals.calls == 6


def test_principle_selection_and_scope(store: Store) -> None:
    constitution = Constitution(
        id="c",
        title="C",
        version="1.0.0",
        principles=(
            Principle(id="a", title="a", statement="A."),
            Principle(id="tools", title="t", statement="T.", scope=Scope.TOOL_CALLS),
            Principle(id="draft", title="d", statement="D.", status=Status.DRAFT),
        ),
    )
    judge = StubJudge()
    result = run_check(constitution, _transcripts(2), judge, store)
    assert {p for _, p, _ in judge.calls} == {"a"}
    assert result.totals.out_of_scope == 2
    scoped = [v for v in result.verdicts if v.principle_id == "tools"]
    assert all(
        v.outcome is Outcome.NOT_APPLICABLE and "no tool call" in v.rationale for v in scoped
    )
    judge = StubJudge()
    run_check(constitution, _transcripts(2), judge, store, principles=["draft"])
    assert {p for _, p, _ in judge.calls} == {"draft"}
    with pytest.raises(CheckerError, match="no principle 'nope'"):
        run_check(constitution, _transcripts(2), judge, store, principles=["nope"])


def test_user_only_transcript_is_out_of_scope(store: Store) -> None:
    lonely = Transcript(id="u", messages=(Message(role=Role.USER, parts=(TextPart(text="hi"),)),))
    judge = StubJudge()
    result = run_check(CONSTITUTION, [lonely], judge, store)
    assert judge.calls == [] and result.totals.out_of_scope == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"samples": 0}, "samples"),
        ({"concurrency": 0}, "concurrency"),
        ({"mode": "batch"}, "unknown mode"),
    ],
)
def test_bad_options_are_errors(store: Store, options: dict, message: str) -> None:
    with pytest.raises(CheckerError, match=message):
        run_check(CONSTITUTION, _transcripts(1), StubJudge(), store, **options)


def test_duplicate_transcript_ids_are_an_error(store: Store) -> None:
    twins = [make_transcript("same", "a"), make_transcript("same", "b")]
    with pytest.raises(CheckerError, match="'same'"):
        run_check(CONSTITUTION, twins, StubJudge(), store)


def test_progress_reaches_the_total(store: Store) -> None:
    seen: list[CheckProgress] = []
    run_check(CONSTITUTION, _transcripts(), StubJudge(), store, progress=seen.append)
    assert seen[-1].done == seen[-1].total == 12
    assert seen[-1].calls == 12 and seen[-1].errors == 1 and seen[-1].input_tokens == 1100


def test_report_rebuilds_the_same_result(store: Store) -> None:
    result = run_check(CONSTITUTION, _transcripts(), StubJudge(), store, samples=2)
    again = load_run(store, result.run.id)
    assert again.model_dump(exclude={"run"}) == result.model_dump(exclude={"run"})
    assert again.run.finished is not None
    assert store.get_transcript(result.verdicts[0].transcript_hash) == _transcripts()[0]


def test_resume_continues_a_run_without_repeating(store: Store) -> None:
    first = run_check(CONSTITUTION, _transcripts(), StubJudge(), store)
    judge = StubJudge()
    resumed = run_check(CONSTITUTION, _transcripts(), judge, store, resume=first.run.id)
    assert judge.calls == [("t1", "p.two", 0)]
    assert resumed.run.id == first.run.id
    assert resumed.totals.calls == 13 and resumed.totals.cache_hits == 0
    assert len(resumed.verdicts) == 12
    with pytest.raises(CheckerError, match="cannot resume"):
        run_check(CONSTITUTION, _transcripts(), StubJudge(model="x"), store, resume="latest")


def test_interrupted_run_keeps_what_finished(store: Store) -> None:
    async def go() -> None:
        from checker.runner import arun_check

        task = asyncio.create_task(
            arun_check(CONSTITUTION, _transcripts(6), StubJudge(delay=0.02), store, concurrency=2)
        )
        await asyncio.sleep(0.09)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    run = store.list_runs()[0]
    assert run.status == "interrupted"
    kept = {(v.transcript_id, v.principle_id, v.sample_index) for v in store.iter_verdicts()}
    assert 0 < len(kept) < 18
    judge = StubJudge()
    result = run_check(CONSTITUTION, _transcripts(6), judge, store)
    assert len(judge.calls) == 18 - len(kept)
    assert not kept & set(judge.calls)  # nothing finished is repeated
    assert result.totals.judgments == 18


class _EstimatingStub(StubJudge):
    async def estimate(self, transcript, principles, constitution, *, grouped=False):  # type: ignore[no-untyped-def]
        return Usage(input_tokens=10 * len(principles), cost_usd=0.5)


def test_dry_run_plans_without_calls(store: Store) -> None:
    run_check(CONSTITUTION, _transcripts(2), StubJudge(), store)
    judge = _EstimatingStub()
    plan = asyncio.run(plan_check(CONSTITUTION, _transcripts(4), judge, store))
    assert judge.calls == []
    assert (plan.judgments, plan.cache_hits, plan.to_judge, plan.calls) == (12, 5, 7, 7)
    assert plan.estimate == Usage(input_tokens=70, cost_usd=1.5)
    assert store.list_runs()[0].id == 1  # no run recorded


def test_a_stream_is_read_as_the_check_goes(store: Store) -> None:
    read = [0]
    ahead: list[int] = []

    class Watching(StubJudge):
        async def grade(self, transcript, principle, constitution, *, sample_index=0):  # type: ignore[no-untyped-def]
            ahead.append(read[0] - len(self.calls))
            return await super().grade(transcript, principle, constitution)

    def stream() -> Iterator[Transcript]:
        for i in range(300):
            read[0] += 1
            yield make_transcript(f"t{i}", "All good.", f"q{i}")

    seen: list[CheckProgress] = []
    judge = Watching()
    result = run_check(
        CONSTITUTION,
        stream(),
        judge,
        store,
        principles=["p.one"],
        concurrency=1,
        progress=seen.append,
    )
    assert len(judge.calls) == 300 and result.totals.judgments == 300
    assert max(ahead) <= 65  # a window of 64 transcripts, never the whole stream
    assert seen[0].total is None and seen[-1].total == seen[-1].done == 300


def test_a_bad_record_mid_stream_stops_the_run_and_keeps_what_finished(store: Store) -> None:
    def stream() -> Iterator[Transcript]:
        yield from _transcripts(3)
        raise TranscriptError("chats.jsonl", 4, "not a transcript: expected an object")

    with pytest.raises(TranscriptError, match=r"chats\.jsonl:4"):
        run_check(CONSTITUTION, stream(), StubJudge(), store)
    assert store.list_runs()[0].status == "interrupted"
    judge = StubJudge()
    run_check(CONSTITUTION, _transcripts(3), judge, store)
    assert judge.calls == [("t1", "p.two", 0)]  # only the error again


def test_resume_refuses_other_options(store: Store) -> None:
    first = run_check(CONSTITUTION, _transcripts(), StubJudge(), store)
    with pytest.raises(CheckerError) as caught:
        run_check(CONSTITUTION, _transcripts(), StubJudge(), store, resume=first.run.id, samples=3)
    assert str(caught.value) == (
        f"run {first.run.id} was checked with samples 1; this check asks samples 3: resume it"
        " with the same options, or start a new run without --resume (finished judgments are"
        " reused from the cache either way)"
    )
    with pytest.raises(CheckerError, match=r"checked with principles \[p.one, p.two, p.three\];"):
        run_check(
            CONSTITUTION, _transcripts(), StubJudge(), store, resume="latest", principles=["p.one"]
        )
