"""The limiter reads Anthropic's and OpenAI's rate-limit headers, and steers by latency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from checker.ratelimit import AdaptiveLimiter, read_request_limit, reset_seconds

NOW = datetime(2026, 11, 30, 5, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("6m0s", 360.0),
        ("12ms", 0.012),
        ("1.5s", 1.5),
        ("1h2m3s", 3723.0),
        ("250us", 0.00025),
        ("3", 3.0),
        ("2026-11-30T05:00:30Z", 30.0),
        ("2026-11-30T04:59:00Z", 0.0),
    ],
)
def test_reset_values_in_both_providers_forms(value: str, seconds: float) -> None:
    assert reset_seconds(value, now=lambda: NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "6m0sx", "m"])
def test_unreadable_resets_are_none(value: str | None) -> None:
    assert reset_seconds(value) is None


def test_openai_headers_are_read() -> None:
    seen = read_request_limit(
        {
            "x-ratelimit-limit-requests": "600",
            "x-ratelimit-remaining-requests": "599",
            "x-ratelimit-reset-requests": "100ms",
        }
    )
    assert seen is not None
    assert (seen.per_minute, seen.remaining, seen.reset_s) == (600, 599, pytest.approx(0.1))


def test_anthropic_headers_are_read() -> None:
    seen = read_request_limit(
        {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": "2026-11-30T05:00:01Z",
        },
        now=lambda: NOW,
    )
    assert seen is not None
    assert (seen.per_minute, seen.remaining, seen.reset_s) == (50, 0, 1.0)


def test_no_headers_no_limit() -> None:
    assert read_request_limit({"x-ratelimit-limit-requests": "zero"}) is None
    assert read_request_limit({}) is None


def test_the_limiter_learns_openais_rate() -> None:
    now = [0.0]
    limiter = AdaptiveLimiter(clock=lambda: now[0])

    async def go() -> None:
        ticket = await limiter.acquire()
        limiter.release(
            ticket,
            {"x-ratelimit-limit-requests": "120", "x-ratelimit-remaining-requests": "1"},
            limited=False,
        )

    asyncio.run(go())
    assert limiter.rate == pytest.approx(2.0)


def _serve_serially(limiter: AdaptiveLimiter, now: list[float], rounds: int) -> None:
    """A server doing one request at a time: each of a round of w requests waits its turn."""

    async def go() -> None:
        for _ in range(rounds):
            tickets = [await limiter.acquire() for _ in range(limiter._cap())]
            for ticket in tickets:
                now[0] += 1.0  # one second of service each
                limiter.release(ticket, None, limited=False)

    asyncio.run(go())


def test_without_headers_a_queueing_server_keeps_the_window_small() -> None:
    now = [0.0]
    limiter = AdaptiveLimiter(initial_concurrency=4, max_concurrency=64, clock=lambda: now[0])
    _serve_serially(limiter, now, rounds=40)
    assert limiter.rate is None
    assert limiter._cap() <= 3  # from 4, and never towards 64


def test_without_headers_a_parallel_server_gets_a_growing_window() -> None:
    now = [0.0]
    limiter = AdaptiveLimiter(initial_concurrency=4, max_concurrency=64, clock=lambda: now[0])

    async def go() -> None:
        for _ in range(10):
            tickets = [await limiter.acquire() for _ in range(limiter._cap())]
            now[0] += 0.5  # every request of the round takes the same time
            for ticket in tickets:
                limiter.release(ticket, None, limited=False)

    asyncio.run(go())
    assert limiter._cap() == 64


def test_without_headers_a_429_sets_the_rate_the_server_let_through() -> None:
    now = [0.0]
    limiter = AdaptiveLimiter(initial_concurrency=64, max_concurrency=64, clock=lambda: now[0])

    async def go() -> None:
        for _ in range(20):  # 20 successes over 2 s: 10 per second got through
            now[0] += 0.1
            limiter.release(await limiter.acquire(), None, limited=False)
        assert limiter.rate is None
        limiter.release(await limiter.acquire(), None, limited=True)
        assert limiter.rate == pytest.approx(10.0, rel=0.1)
        learned = limiter.rate
        now[0] += 1.0  # the bucket refills
        limiter.release(await limiter.acquire(), None, limited=False)
        assert limiter.rate > learned  # probing upwards, slowly
        now[0] += 1.0
        limiter.release(await limiter.acquire(), None, limited=True)
        assert limiter.rate < learned

    asyncio.run(go())
