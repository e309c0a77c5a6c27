"""The shared core of the model judges: the provider-neutral call loop and its helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from checker.errors import JudgeConfigError
from checker.judges import JudgeRunStats, run_stats_of
from checker.judges.llm import (
    Attempt,
    CallResult,
    ConfigFailure,
    Failure,
    Fatal,
    GroupedReply,
    Malformed,
    MalformedReply,
    ModelCaller,
    RateLimited,
    RetryPolicy,
    Transient,
    normalise_server,
    reply_from_json,
)
from checker.pricing import Price
from checker.ratelimit import AdaptiveLimiter
from checker.verdict import Usage

FAST = RetryPolicy(max_attempts=3, max_parse_attempts=2, max_rate_limited=2, backoff_base_s=0.001)


class Boom(Exception):
    def __init__(self, failure: Failure | None) -> None:
        super().__init__("boom")
        self.failure = failure


def classify(exc: Exception) -> Failure | None:
    return exc.failure if isinstance(exc, Boom) else None


def scripted(*steps: Any) -> Callable[[Attempt], Any]:
    """A ``send`` that raises or returns each step in turn (counting 10 input tokens)."""
    queue = list(steps)

    async def send(attempt: Attempt) -> Any:
        step = queue.pop(0)
        attempt.headers = {"x-step": str(len(queue))}
        if isinstance(step, Exception):
            raise step
        attempt.usage = Usage(input_tokens=10, output_tokens=1)
        return step

    return send


def call(
    send: Callable[[Attempt], Any], read: Callable[[Any], Any] | None = None
) -> tuple[CallResult[Any], ModelCaller]:
    caller = ModelCaller(AdaptiveLimiter(), policy=FAST, price=Price(1e6, 0, 0, 0))
    return asyncio.run(caller.call(send, classify, read)), caller


def test_a_reply_comes_back_with_its_usage_and_cost() -> None:
    result, caller = call(scripted("ok"))
    assert (result.value, result.error) == ("ok", None)
    assert result.usage.input_tokens == 10 and result.usage.cost_usd == pytest.approx(10.0)
    assert caller.stats.calls == 1 and caller.stats.usage.input_tokens == 10


def test_rate_limits_wait_and_do_not_count_as_attempts() -> None:
    limited = Boom(RateLimited("429", retry_after=0.001))
    result, caller = call(scripted(limited, limited, "ok"))
    assert result.value == "ok"
    assert caller.stats.rate_limited == 2 and caller.stats.retried == {}
    result, _ = call(scripted(limited, limited, limited, "ok"))
    assert result.value is None and result.error == "rate limited 3 times"


def test_transient_faults_are_retried_then_given_up() -> None:
    fault = Boom(Transient("500", "500 api_error: down"))
    result, caller = call(scripted(fault, "ok"))
    assert result.value == "ok" and caller.stats.retried == {"500": 1}
    result, _ = call(scripted(fault, fault, fault))
    assert result.error == "gave up after 3 attempts: 500 api_error: down"


def test_fatal_ends_the_call_and_config_failures_stop_the_run() -> None:
    result, caller = call(scripted(Boom(Fatal("400 invalid_request_error: bad")), "ok"))
    assert result.value is None and result.error == "400 invalid_request_error: bad"
    assert caller.stats.calls == 1
    with pytest.raises(JudgeConfigError, match="refused the credentials"):
        call(scripted(Boom(ConfigFailure("the server refused the credentials"))))
    with pytest.raises(Boom):  # the classifier does not know it: not swallowed
        call(scripted(Boom(None)))


def test_malformed_replies_are_retried_and_keep_what_parsed() -> None:
    partial = GroupedReply(verdicts=[])

    def read(value: Any) -> Any:
        if value == "bad":
            raise MalformedReply("no verdict for p.two", partial=partial)
        return value

    result, caller = call(scripted("bad", "ok"), read)
    assert result.value == "ok" and caller.stats.retried == {"malformed": 1}
    assert result.usage.input_tokens == 20  # the malformed reply's tokens were spent too
    result, _ = call(scripted("bad", "bad", "ok"), read)
    assert result.value is partial
    assert result.error == "malformed reply: no verdict for p.two"
    result, _ = call(scripted(Boom(Malformed("truncated body")), "ok"))
    assert result.value == "ok"


def test_reply_validation() -> None:
    with pytest.raises(MalformedReply, match="no text"):
        reply_from_json(" ", GroupedReply)
    with pytest.raises(MalformedReply, match="does not match the schema"):
        reply_from_json('{"verdicts": 3}', GroupedReply)
    with pytest.raises(MalformedReply, match=r"no verdict for p\.one") as caught:
        reply_from_json('{"verdicts": []}', GroupedReply, ["p.one"])
    assert caught.value.partial == GroupedReply(verdicts=[])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://API.Example.com:443/v1/", "https://api.example.com/v1"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ("http://localhost:80", "http://localhost"),
        ("", ""),
        (None, ""),
    ],
)
def test_servers_are_written_one_way(url: str | None, expected: str) -> None:
    assert normalise_server(url) == expected


def test_run_stats_add_up_across_a_resume() -> None:
    stats = JudgeRunStats("cascade", {"screen": "local"}, {"screened": 3, "saved": 1})
    assert stats.merged(None) == {"screen": "local", "screened": 3, "saved": 1}
    assert stats.merged({"screen": "local", "screened": 2, "saved": 2})["screened"] == 5
    assert run_stats_of(object()) is None
