"""Every injected fault is retried or recorded as an error; no error ever passes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from checker.judges.anthropic import AnthropicJudge
from checker.ratelimit import AdaptiveLimiter, backoff_delay, retry_after_seconds
from checker.verdict import Outcome, Verdict
from tests.checker.anthropic_helpers import CONSTITUTION, make_judge, run, transcript
from tests.fakeapi import FAULT_KINDS, FakeConfig, FakeMessagesAPI, FaultPlan

HARM = CONSTITUTION.principles[0]
RETRYABLE = [k for k in FAULT_KINDS if k != "400"]
REASON = {
    "529": "529",
    "500": "500",
    "hang": "timeout",
    "malformed": "malformed",
    "truncated": "connection",
    "bad_reply": "malformed",
    "no_json": "malformed",
    "refusal": "malformed",
    "max_tokens": "malformed",
}


def _grade(config: FakeConfig, reply: str = "FORBIDDEN", **judge: Any) -> tuple[Verdict, Any]:
    async def go() -> tuple[Verdict, Any]:
        with FakeMessagesAPI(config) as api:
            async with make_judge(api, **judge) as j:
                verdict = await j.grade(transcript("t", reply), HARM, CONSTITUTION)
                return verdict, (j.stats, api.stats)

    return run(go())


@pytest.mark.parametrize("kind", RETRYABLE)
def test_a_single_fault_is_retried(kind: str) -> None:
    config = FakeConfig(faults=FaultPlan(schedule={1: kind}), hang_s=5.0)
    verdict, (judge_stats, server_stats) = _grade(config, timeout_s=0.5)
    assert verdict.outcome is Outcome.VIOLATES
    assert verdict.error is None
    assert server_stats.faults[kind] == 1
    assert server_stats.messages == 2
    if kind == "429":
        assert judge_stats.rate_limited == 1
    else:
        assert judge_stats.retried == {REASON[kind]: 1}


@pytest.mark.parametrize("kind", RETRYABLE)
def test_a_persistent_fault_becomes_an_error_never_a_pass(kind: str) -> None:
    config = FakeConfig(faults=FaultPlan(rate=1.0, kinds=(kind,)), hang_s=5.0)
    verdict, (judge_stats, server_stats) = _grade(
        config, reply="all fine", timeout_s=0.3, max_attempts=3, max_rate_limited=2
    )
    assert verdict.outcome is Outcome.ERROR
    assert verdict.score is None and verdict.evidence == ()
    assert verdict.error
    assert judge_stats.errors == 1
    assert 2 <= server_stats.messages <= 3


def test_a_non_retryable_error_is_recorded_at_once() -> None:
    config = FakeConfig(faults=FaultPlan(schedule={1: "400"}))
    verdict, (_, server_stats) = _grade(config)
    assert verdict.outcome is Outcome.ERROR
    assert "400" in (verdict.error or "") and "prompt is too long" in (verdict.error or "")
    assert server_stats.messages == 1


def test_a_reply_saying_pass_is_not_a_pass() -> None:
    """The grader answering ``{"outcome": "pass"}`` (no such outcome) is an error."""
    config = FakeConfig(faults=FaultPlan(rate=1.0, kinds=("bad_reply",)))
    verdict, _ = _grade(config, reply="all fine")
    assert verdict.outcome is Outcome.ERROR
    assert "schema" in (verdict.error or "")


def test_no_error_is_ever_counted_as_complies() -> None:
    """Under a storm of mixed faults every verdict is either a real grade or an error."""
    kinds = tuple(k for k in FAULT_KINDS if k not in ("hang", "400"))
    config = FakeConfig(faults=FaultPlan(rate=0.6, kinds=kinds, seed=7))
    transcripts = [transcript(f"t{i}", "FORBIDDEN" if i % 2 else "fine") for i in range(6)]

    async def go() -> list[Verdict]:
        with FakeMessagesAPI(config) as api:
            async with make_judge(api, max_attempts=2, max_parse_attempts=2) as judge:
                return list(
                    await asyncio.gather(
                        *(
                            judge.grade(t, p, CONSTITUTION)
                            for t in transcripts
                            for p in CONSTITUTION.principles
                        )
                    )
                )

    verdicts = run(go())
    outcomes = {v.outcome for v in verdicts}
    assert Outcome.ERROR in outcomes  # the storm did cost some judgments
    for verdict in verdicts:
        violating = verdict.transcript_id in ("t1", "t3", "t5")
        if verdict.outcome is Outcome.ERROR:
            assert verdict.error and verdict.score is None
        else:
            assert verdict.error is None
            expected = Outcome.VIOLATES if violating else Outcome.COMPLIES
            assert verdict.outcome is expected


def test_rate_limit_headers_set_the_pace() -> None:
    config = FakeConfig(rpm=600, burst=2)

    async def go() -> tuple[AnthropicJudge, Any]:
        with FakeMessagesAPI(config) as api:
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


def test_retry_after_parsing() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "3"}) == 0.25
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds(None) is None


def test_backoff_is_bounded_and_jittered() -> None:
    delays = [backoff_delay(10, base=0.5, cap=4.0) for _ in range(50)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 1


def test_limiter_learns_the_rate_and_holds_a_token_back() -> None:
    now = [100.0]
    limiter = AdaptiveLimiter(initial_concurrency=2, clock=lambda: now[0])

    async def go() -> None:
        first = await limiter.acquire()
        second = await limiter.acquire()
        assert limiter.rate is None and limiter.in_flight == 2
        headers = {
            "anthropic-ratelimit-requests-limit": "120",
            "anthropic-ratelimit-requests-remaining": "0",
        }
        limiter.release(first, headers, limited=False)
        assert limiter.rate == pytest.approx(2.0)
        limiter.release(second, None, limited=True)
        assert limiter.stats.rate_limited == 1
        assert (limiter.rate or 0) < 2.0

    asyncio.run(go())


def test_without_rate_limit_headers_a_congestion_window_grows() -> None:
    config = FakeConfig(latency_s=0.05, ratelimit_headers=False)

    async def go() -> tuple[AnthropicJudge, list[Verdict]]:
        with FakeMessagesAPI(config) as api:
            judge = make_judge(api)
            async with judge:
                verdicts = await asyncio.gather(
                    *(judge.grade(transcript(f"t{i}", "ok"), HARM, CONSTITUTION) for i in range(40))
                )
            return judge, list(verdicts)

    judge, verdicts = run(go())
    assert all(v.outcome is Outcome.COMPLIES for v in verdicts)
    assert judge.limiter.rate is None
    assert judge.limiter.stats.max_in_flight > judge.limiter.initial_concurrency


def test_congestion_window_halves_on_a_429() -> None:
    limiter = AdaptiveLimiter(initial_concurrency=2, max_concurrency=16)

    async def go() -> None:
        for _ in range(6):  # six successes: window 2 -> 8
            limiter.release(await limiter.acquire(), None, limited=False)
        assert limiter._cap() == 8
        limiter.release(await limiter.acquire(), None, limited=True)
        assert limiter._cap() == 4

    asyncio.run(go())


def test_the_api_key_never_reaches_logs_or_verdicts(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-ant-test-DO-NOT-LEAK-0123456789"
    config = FakeConfig(api_key=secret, faults=FaultPlan(schedule={1: "529", 2: "malformed"}))

    async def go() -> Verdict:
        with FakeMessagesAPI(config) as api:
            async with AnthropicJudge(
                api_key=secret, base_url=api.base_url, backoff_base_s=0.01
            ) as judge:
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
        with FakeMessagesAPI(FakeConfig(faults=plan)) as api:
            async with make_judge(api) as judge:
                return list(await judge.grade_many(transcript("t", "ok"), principles, CONSTITUTION))

    retried = run(go(FaultPlan(schedule={1: "529", 2: "truncated", 3: "bad_reply"})))
    assert [v.outcome for v in retried] == [Outcome.COMPLIES, Outcome.COMPLIES]
    failed = run(go(FaultPlan(rate=1.0, kinds=("no_json",))))
    assert [v.outcome for v in failed] == [Outcome.ERROR, Outcome.ERROR]
    assert all(v.error for v in failed)
