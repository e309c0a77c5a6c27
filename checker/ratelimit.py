"""Client-side pacing: keep close to the server's request rate without storms of 429s.

Servers that rate-limit say so on every reply, each in its own words (read by
:func:`read_request_limit`): the Messages API sends ``anthropic-ratelimit-requests-limit``
/ ``-remaining`` / ``-reset`` (an RFC 3339 timestamp), OpenAI sends
``x-ratelimit-limit-requests`` / ``x-ratelimit-remaining-requests`` /
``x-ratelimit-reset-requests`` (a duration such as ``6m0s`` or ``12ms``); both limits
are per minute. :class:`AdaptiveLimiter` learns the rate from them and
keeps a local estimate of the server's token bucket: each reply's ``remaining`` is
corrected for the time elapsed since its request was sent and for the requests sent
since, so the estimate tracks the server even with many requests in flight. A request
leaves only when the estimate holds a whole token, so the client runs at the limit
and the server's bucket never runs dry.

Before the first reply the rate is unknown: only ``initial_concurrency`` requests go
out. A server that sends no rate-limit headers (vLLM, Ollama, llama.cpp) gets a
congestion window instead, steered by 429s and by latency: one more request in
flight per success while replies come back about as fast as the fastest seen,
none while they take over ``1.5x`` as long (the server is queueing), a tenth fewer
while they take over ``2.5x``, half as many after a 429. A server that refuses
with 429s but never says its limit gets a rate after the first refusal: the
successes per second it let through, probed slowly upwards. With headers, a
429 empties the local bucket and slows the rate a little; each success wins some
back. The refused request itself waits its ``retry-after`` (see
:func:`backoff_delay` for the other retryable failures).
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

LIMIT_HEADER = "anthropic-ratelimit-requests-limit"
REMAINING_HEADER = "anthropic-ratelimit-requests-remaining"
RESET_HEADER = "anthropic-ratelimit-requests-reset"
REQUEST_LIMIT_HEADERS: tuple[tuple[str, str, str], ...] = (
    (LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER),
    ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"),
)
"""(limit, remaining, reset) header names, per provider: Anthropic's, then OpenAI's."""
RATE_SAMPLE = 16
"""Without headers, a 429 after at least this many successes sets a rate: the successes
per second seen, then probed upwards by :data:`PROBE_STEP` per success (x0.9 per 429)."""
PROBE_STEP = 0.002
QUEUEING_SLOWDOWN = 1.5
"""Without headers, the window stops growing when replies take this much longer than the
fastest one seen."""
OVERLOAD_SLOWDOWN = 2.5
"""... and shrinks when they take this much longer."""


@dataclass(frozen=True, slots=True)
class RequestLimit:
    """What a reply says about the request rate limit."""

    per_minute: float
    remaining: float | None
    reset_s: float | None
    """Seconds until the bucket is full again (from a duration or a timestamp)."""


def read_request_limit(
    headers: Mapping[str, str], *, now: Callable[[], datetime] | None = None
) -> RequestLimit | None:
    """The request limit in ``headers`` (Anthropic's or OpenAI's names), or ``None``."""
    for limit_name, remaining_name, reset_name in REQUEST_LIMIT_HEADERS:
        limit = _number(headers.get(limit_name))
        if limit is None or limit <= 0:
            continue
        reset = reset_seconds(headers.get(reset_name), now=now)
        return RequestLimit(limit, _number(headers.get(remaining_name)), reset)
    return None


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def reset_seconds(value: str | None, *, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds until a reset given as a duration (``6m0s``, ``1.5s``, ``12ms``), a number
    of seconds, or an RFC 3339 timestamp (``2026-11-30T05:00:00Z``); ``None`` if unreadable."""
    if not value:
        return None
    text = value.strip()
    seconds = _number(text)
    if seconds is not None:
        return max(0.0, seconds)
    parts = _DURATION_PART.findall(text)
    if parts and "".join(n + u for n, u in parts) == text:
        return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(slots=True)
class Ticket:
    """One admitted request: its position in the send order and when it left."""

    seq: int
    sent_at: float


@dataclass(slots=True)
class LimiterStats:
    sent: int = 0
    rate_limited: int = 0
    max_in_flight: int = 0


class AdaptiveLimiter:
    """Bounds concurrency and paces requests from the server's rate-limit headers."""

    def __init__(
        self,
        *,
        max_concurrency: int = 64,
        initial_concurrency: int = 4,
        reserve: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_concurrency = max_concurrency
        self.initial_concurrency = min(initial_concurrency, max_concurrency)
        self.reserve = reserve
        self.stats = LimiterStats()
        self._clock = clock
        self._lock = asyncio.Lock()
        self._freed = asyncio.Event()
        self._in_flight = 0
        self._seq = 0
        self._limit_rate: float | None = None  # requests/s the server allows
        self._rate: float | None = None  # requests/s we currently aim for
        self._capacity = 1.0
        self._tokens = 1.0
        self._refilled_at = clock()
        self._pause_until = 0.0
        self._window = float(self.initial_concurrency)  # used while no headers are seen
        self._successes: deque[float] = deque(maxlen=4 * RATE_SAMPLE)  # when, without headers
        self._fastest: float | None = None  # the quickest reply seen (no queueing)
        self._latency: float | None = None  # recent replies, smoothed

    @property
    def rate(self) -> float | None:
        """The current target rate in requests per second (``None`` until learned)."""
        return self._rate

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _cap(self) -> int:
        if self._rate is not None:
            return self.max_concurrency
        return max(1, min(self.max_concurrency, int(self._window)))

    def _refill(self, now: float) -> None:
        if self._rate is not None:
            self._tokens = min(
                self._capacity, self._tokens + (now - self._refilled_at) * self._rate
            )
        self._refilled_at = now

    async def acquire(self) -> Ticket:
        """Wait for a concurrency slot and a token (first come, first served)."""
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._pause_until:
                    await asyncio.sleep(self._pause_until - now)
                    continue
                if self._in_flight >= self._cap():
                    self._freed.clear()
                    await self._freed.wait()
                    continue
                self._refill(now)
                if self._rate is not None and self._tokens < 1.0:
                    await asyncio.sleep((1.0 - self._tokens) / self._rate)
                    continue
                if self._rate is not None:
                    self._tokens -= 1.0
                self._in_flight += 1
                self._seq += 1
                self.stats.sent += 1
                self.stats.max_in_flight = max(self.stats.max_in_flight, self._in_flight)
                return Ticket(self._seq, now)

    def release(self, ticket: Ticket, headers: Mapping[str, str] | None, *, limited: bool) -> None:
        """Account for a finished request and learn from its reply headers."""
        self._in_flight -= 1
        self._freed.set()
        now = self._clock()
        self._refill(now)
        if headers is not None:
            self._observe(ticket, headers, now)
        if limited:
            self.stats.rate_limited += 1
            self._tokens = min(self._tokens, 0.0)
            self._window = max(1.0, self._window / 2)
            if self._rate is not None:
                self._rate *= 0.9
            elif len(self._successes) >= RATE_SAMPLE:
                self._rate = self._observed_rate(now)  # limited, but not told the rate
        elif self._rate is None:
            self._successes.append(now)
            self._steer_window(now - ticket.sent_at)
        elif self._limit_rate is not None:
            self._rate = min(self._limit_rate, self._rate + 0.01 * self._limit_rate)
        else:  # a rate learned from 429s alone: probe slowly upwards
            self._rate *= 1.0 + PROBE_STEP

    def _observed_rate(self, now: float) -> float:
        """Successes per second over the recent ones (what the server did let through)."""
        span = max(now - self._successes[0], 1e-3)
        self._capacity = 1.0
        return len(self._successes) / span

    def _steer_window(self, latency: float) -> None:
        """Grow the window while replies are fast; shrink it when the server queues them."""
        self._fastest = latency if self._fastest is None else min(self._fastest, latency)
        smoothed = self._latency
        self._latency = latency if smoothed is None else 0.8 * smoothed + 0.2 * latency
        slowdown = self._latency / max(self._fastest, 1e-3)
        if slowdown < QUEUEING_SLOWDOWN:
            self._window = min(float(self.max_concurrency), self._window + 1.0)
        elif slowdown > OVERLOAD_SLOWDOWN:
            self._window = max(1.0, self._window * 0.9)

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (used while the rate is still unknown)."""
        self._pause_until = max(self._pause_until, self._clock() + seconds)

    def _observe(self, ticket: Ticket, headers: Mapping[str, str], now: float) -> None:
        seen = read_request_limit(headers)
        if seen is None:
            return
        remaining = seen.remaining
        limit_rate = seen.per_minute / 60.0
        if self._limit_rate != limit_rate:
            self._limit_rate = limit_rate
            self._rate = limit_rate if self._rate is None else min(self._rate, limit_rate)
        if remaining is None or self._rate is None:
            return
        self._capacity = max(self._capacity, remaining + 1.0)
        sent_since = self._seq - ticket.seq
        estimate = remaining + (now - ticket.sent_at) * limit_rate - sent_since - self.reserve
        self._tokens = min(self._capacity, estimate)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Exponential backoff with full jitter for the ``attempt``-th retry (0-based)."""
    return random.uniform(0.0, min(cap, base * 2.0**attempt))


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The server's ``retry-after-ms`` or ``retry-after`` (seconds), if it sent one."""
    if headers is None:
        return None
    ms = _number(headers.get("retry-after-ms"))
    if ms is not None and ms >= 0:
        return ms / 1000.0
    seconds = _number(headers.get("retry-after"))
    if seconds is not None and seconds >= 0:
        return seconds
    return None
