"""Every injected fault is retried or recorded as an error; no error ever passes.

The same fault list the Claude judge is tested on, against the fake OpenAI-compatible
server with the real ``openai`` SDK.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

pytest.importorskip("openai")

from checker.verdict import Outcome, Verdict
from tests.checker.openai_helpers import CONSTITUTION, make_judge, run, transcript
from tests.fakeopenai import FAULT_KINDS, FakeOpenAI, FakeOpenAIConfig, FaultPlan

HARM = CONSTITUTION.principles[0]
RETRYABLE = [k for k in FAULT_KINDS if k != "400"]
REASON = {
    "500": "500",
    "503": "503",
    "hang": "timeout",
    "malformed": "malformed",
    "truncated": "connection",
    "bad_reply": "malformed",
    "no_json": "malformed",
    "refusal": "malformed",
    "length": "malformed",
}


def _grade(config: FakeOpenAIConfig, reply: str = "FORBIDDEN", **judge: Any) -> Any:
    async def go() -> tuple[Verdict, Any, Any]:
        with FakeOpenAI(config) as api:
            async with make_judge(api, **judge) as j:
                verdict = await j.grade(transcript("t", reply), HARM, CONSTITUTION)
                return verdict, j, api.stats

    return run(go())


@pytest.mark.parametrize("kind", RETRYABLE)
def test_a_single_fault_is_retried(kind: str) -> None:
    config = FakeOpenAIConfig(faults=FaultPlan(schedule={1: kind}), hang_s=5.0)
    verdict, judge, server = _grade(config, timeout_s=0.5)
    assert verdict.outcome is Outcome.VIOLATES
    assert verdict.error is None
    assert server.faults[kind] == 1
    assert server.completions == 2
    assert judge.mode == "json_schema"
    if kind == "429":
        assert judge.stats.rate_limited == 1
    else:
        assert judge.stats.retried == {REASON[kind]: 1}


@pytest.mark.parametrize("kind", RETRYABLE)
def test_a_persistent_fault_becomes_an_error_never_a_pass(kind: str) -> None:
    config = FakeOpenAIConfig(faults=FaultPlan(rate=1.0, kinds=(kind,)), hang_s=5.0)
    verdict, judge, server = _grade(
        config, reply="all fine", timeout_s=0.3, max_attempts=3, max_rate_limited=2
    )
    assert verdict.outcome is Outcome.ERROR
    assert verdict.score is None and verdict.evidence == ()
    assert verdict.error
    assert judge.stats.errors == 1
    assert 2 <= server.completions <= 3


def test_a_non_retryable_error_is_recorded_at_once() -> None:
    config = FakeOpenAIConfig(faults=FaultPlan(schedule={1: "400"}))
    verdict, judge, server = _grade(config)
    assert verdict.outcome is Outcome.ERROR
    assert "400" in (verdict.error or "") and "context length" in (verdict.error or "")
    assert server.completions == 1
    assert judge.mode == "json_schema"  # a 400 about the prompt is no verdict on the mode


def test_a_reply_saying_pass_is_not_a_pass() -> None:
    """The grader answering ``{"outcome": "pass"}`` (no such outcome) is an error."""
    config = FakeOpenAIConfig(faults=FaultPlan(rate=1.0, kinds=("bad_reply",)))
    verdict, _, _ = _grade(config, reply="all fine")
    assert verdict.outcome is Outcome.ERROR
    assert "schema" in (verdict.error or "")


def test_a_truncated_reply_is_never_read() -> None:
    config = FakeOpenAIConfig(faults=FaultPlan(rate=1.0, kinds=("length",)))
    verdict, judge, _ = _grade(config, reply="all fine", max_parse_attempts=2)
    assert verdict.outcome is Outcome.ERROR
    assert "finish_reason length" in (verdict.error or "")
    assert judge.mode == "json_schema"  # a cut-off reply says nothing against the mode


def test_no_error_is_ever_counted_as_complies() -> None:
    """Under a storm of mixed faults every verdict is either a real grade or an error."""
    kinds = tuple(k for k in FAULT_KINDS if k not in ("hang", "400"))
    config = FakeOpenAIConfig(faults=FaultPlan(rate=0.6, kinds=kinds, seed=7))
    transcripts = [transcript(f"t{i}", "FORBIDDEN" if i % 2 else "fine") for i in range(6)]

    async def go() -> list[Verdict]:
        with FakeOpenAI(config) as api:
            async with make_judge(api, max_attempts=2, max_parse_attempts=2) as judge:
                jobs = [
                    judge.grade(t, p, CONSTITUTION)
                    for t in transcripts
                    for p in CONSTITUTION.principles
                ]
                return list(await asyncio.gather(*jobs))

    verdicts = run(go())
    assert Outcome.ERROR in {v.outcome for v in verdicts}  # the storm did cost some
    for verdict in verdicts:
        violating = verdict.transcript_id in ("t1", "t3", "t5")
        if verdict.outcome is Outcome.ERROR:
            assert verdict.error and verdict.score is None
        else:
            assert verdict.error is None
            expected = Outcome.VIOLATES if violating else Outcome.COMPLIES
            assert verdict.outcome is expected


def test_openai_rate_limit_headers_set_the_pace() -> None:
    config = FakeOpenAIConfig(rpm=600, burst=2)

    async def go() -> Any:
        with FakeOpenAI(config) as api:
            judge = make_judge(api)
            async with judge:
                await asyncio.gather(
                    *(judge.grade(transcript(f"t{i}", "ok"), HARM, CONSTITUTION) for i in range(12))
                )
            return judge, api.stats

    judge, stats = run(go())
    assert judge.limiter.rate == pytest.approx(10.0, rel=0.2)
    assert stats.ok == 12
    assert judge.stats.errors == 0


def test_without_rate_limit_headers_429s_keep_refusals_few() -> None:
    config = FakeOpenAIConfig(latency_s=0.05, ratelimit_headers=False, rpm=1200, burst=4)

    async def go() -> Any:
        with FakeOpenAI(config) as api:
            judge = make_judge(api, max_concurrency=32)
            async with judge:
                verdicts = await asyncio.gather(
                    *(judge.grade(transcript(f"t{i}", "ok"), HARM, CONSTITUTION) for i in range(80))
                )
            return judge, list(verdicts), api.stats

    judge, verdicts, stats = run(go())
    assert all(v.outcome is Outcome.COMPLIES for v in verdicts)
    assert judge.stats.errors == 0
    assert stats.rate_limited < 40  # the window halves, or a rate is learned, after a 429


def test_without_headers_or_429s_the_window_grows() -> None:
    config = FakeOpenAIConfig(latency_s=0.05, ratelimit_headers=False)

    async def go() -> Any:
        with FakeOpenAI(config) as api:
            judge = make_judge(api, max_concurrency=32)
            async with judge:
                await asyncio.gather(
                    *(judge.grade(transcript(f"t{i}", "ok"), HARM, CONSTITUTION) for i in range(40))
                )
            return judge

    judge = run(go())
    assert judge.limiter.rate is None
    assert judge.limiter.stats.max_in_flight > judge.limiter.initial_concurrency


def test_the_api_key_never_reaches_logs_or_verdicts(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-test-DO-NOT-LEAK-0123456789"
    plan = FaultPlan(schedule={1: "503", 2: "malformed"})
    config = FakeOpenAIConfig(api_key=secret, faults=plan)

    async def go() -> Verdict:
        with FakeOpenAI(config) as api:
            async with make_judge(api, api_key=secret) as judge:
                return await judge.grade(transcript("t", "FORBIDDEN"), HARM, CONSTITUTION)

    with caplog.at_level(logging.DEBUG):
        verdict = run(go())
    assert verdict.outcome is Outcome.VIOLATES
    assert caplog.records  # the SDK and the judge did log, at debug level
    assert secret not in caplog.text
    assert secret not in verdict.model_dump_json()


def test_grouped_mode_retries_faults_and_records_errors() -> None:
    principles = list(CONSTITUTION.principles)

    async def go(plan: FaultPlan) -> list[Verdict]:
        with FakeOpenAI(FakeOpenAIConfig(faults=plan)) as api:
            async with make_judge(api) as judge:
                return list(await judge.grade_many(transcript("t", "ok"), principles, CONSTITUTION))

    retried = run(go(FaultPlan(schedule={1: "503", 2: "truncated", 3: "bad_reply"})))
    assert [v.outcome for v in retried] == [Outcome.COMPLIES, Outcome.COMPLIES]
    failed = run(go(FaultPlan(rate=1.0, kinds=("no_json",))))
    assert [v.outcome for v in failed] == [Outcome.ERROR, Outcome.ERROR]
    assert all(v.error for v in failed)
