"""Client-side pacing: keep close to the server's request rate without storms of 429s.

The Messages API sends ``anthropic-ratelimit-requests-limit`` / ``-remaining`` /
``-reset`` on every reply. :class:`AdaptiveLimiter` learns the rate from them and
keeps a local estimate of the server's token bucket: each reply's ``remaining`` is
corrected for the time elapsed since its request was sent and for the requests sent
since, so the estimate tracks the server even with many requests in flight. A request
leaves only when the estimate holds a whole token, so the client runs at the limit
and the server's bucket never runs dry.

Before the first reply the rate is unknown: only ``initial_concurrency`` requests go
out. A server that sends no rate-limit headers gets a congestion window instead:
one more request in flight per success, half as many after a 429. With headers, a
429 empties the local bucket and slows the rate a little; each success wins some
back. The refused request itself waits its ``retry-after`` (see
:func:`backoff_delay` for the other retryable failures).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

LIMIT_HEADER = "anthropic-ratelimit-requests-limit"
REMAINING_HEADER = "anthropic-ratelimit-requests-remaining"


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
        elif self._rate is None:
            self._window = min(float(self.max_concurrency), self._window + 1.0)
        elif self._limit_rate is not None:
            self._rate = min(self._limit_rate, self._rate + 0.01 * self._limit_rate)

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (used while the rate is still unknown)."""
        self._pause_until = max(self._pause_until, self._clock() + seconds)

    def _observe(self, ticket: Ticket, headers: Mapping[str, str], now: float) -> None:
        limit = _number(headers.get(LIMIT_HEADER))
        remaining = _number(headers.get(REMAINING_HEADER))
        if limit is None or limit <= 0:
            return
        limit_rate = limit / 60.0
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
