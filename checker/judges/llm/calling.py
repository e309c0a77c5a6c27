"""Calling a model with pacing, retries and usage accounting, for any provider.

:class:`ModelCaller` runs one logical call: it takes a slot and a token from the
shared :class:`checker.ratelimit.AdaptiveLimiter`, sends, and on failure asks the
provider's *classifier* what the exception means:

- :class:`RateLimited`: wait the server's ``retry-after`` (or back off) and send
  again; the limiter slows down. Not counted as an attempt, up to
  ``max_rate_limited`` times;
- :class:`Transient`: back off with jitter (at least the ``hint`` a server sent)
  and send again, up to ``max_attempts`` attempts;
- :class:`Malformed`: the body arrived but does not decode: retried like a
  transient fault, at most ``max_parse_attempts`` times;
- :class:`ConfigFailure`: raises :class:`checker.errors.JudgeConfigError` at once
  (bad key, no permission, unknown model): the run stops instead of recording one
  error per judgment;
- :class:`Fatal`: no retry; the call ends with that error.

An optional ``read`` turns the reply into what the caller wants (a verdict
schema); when it raises :class:`checker.judges.llm.reply.MalformedReply` the reply
is retried as malformed. The call never raises for a failed judgment: it returns a
:class:`CallResult` with ``error`` set, and the judge records an ``error`` verdict.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from checker.errors import JudgeConfigError
from checker.judges.llm.reply import MalformedReply
from checker.judges.llm.usage import add_usage
from checker.pricing import Price
from checker.ratelimit import AdaptiveLimiter, backoff_delay
from checker.secrets import scrub_optional, scrub_secrets
from checker.verdict import Usage

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The server refused for the rate (HTTP 429)."""

    message: str
    retry_after: float | None = None
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Transient:
    """A fault worth retrying (5xx, timeout, broken connection); ``reason`` is counted."""

    reason: str
    message: str
    hint: float | None = None
    """A ``retry-after`` the server sent with the fault: the wait is at least this."""
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Malformed:
    """A reply arrived but does not decode, or does not hold what was asked for."""

    message: str
    partial: Any = None
    """What did parse, kept when the retries run out (a grouped reply missing some ids)."""


@dataclass(frozen=True, slots=True)
class ConfigFailure:
    """The judge is set up wrongly (credentials, permission, model): stop the run."""

    message: str


@dataclass(frozen=True, slots=True)
class Fatal:
    """A failure that retrying will not mend (e.g. HTTP 400): the call ends with it."""

    message: str
    headers: Mapping[str, str] | None = None


Failure = RateLimited | Transient | Malformed | ConfigFailure | Fatal
Classifier = Callable[[Exception], Failure | None]
"""Maps a provider's exception to a :data:`Failure`; None re-raises the exception."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    """Attempts (transient faults and malformed replies) before giving up."""
    max_parse_attempts: int = 3
    """Malformed replies before giving up."""
    max_rate_limited: int = 50
    """429s tolerated for one call."""
    backoff_base_s: float = 0.5


@dataclass
class Attempt:
    """Filled in by the ``send`` coroutine as it learns them."""

    headers: Mapping[str, str] | None = None
    """The reply's headers, as soon as they are known (the limiter learns from them)."""
    usage: Usage = field(default_factory=Usage)
    """The tokens the reply says it used."""


@dataclass
class JudgeStats:
    """What a model judge did: calls, retries and why, tokens."""

    calls: int = 0
    """HTTP requests sent to the server."""
    rate_limited: int = 0
    retried: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    """Judgments recorded as ``error``."""
    usage: Usage = field(default_factory=Usage)

    def note_retry(self, reason: str) -> None:
        self.retried[reason] = self.retried.get(reason, 0) + 1


@dataclass
class CallResult(Generic[T]):
    """One logical call: what it returned (None on failure), tokens, error, latency."""

    value: T | None
    usage: Usage
    error: str | None
    latency_s: float


Send = Callable[[Attempt], Awaitable[Any]]
"""Sends one request, filling in the :class:`Attempt`; returns the provider's reply."""


class ModelCaller:
    """Sends requests through a shared limiter with retries; counts usage and cost."""

    def __init__(
        self,
        limiter: AdaptiveLimiter,
        *,
        policy: RetryPolicy | None = None,
        price: Price | None = None,
        stats: JudgeStats | None = None,
    ) -> None:
        self.limiter = limiter
        self.policy = policy or RetryPolicy()
        self.price = price
        self.stats = stats or JudgeStats()

    async def call(
        self, send: Send, classify: Classifier, read: Callable[[Any], Any] | None = None
    ) -> CallResult[Any]:
        """Send until a reply reads or the policy gives up (see the module docs)."""
        state = _CallState()
        while True:
            ticket = await self.limiter.acquire()
            if state.started is None:  # the first send: queueing before it is not latency
                state.started = time.monotonic()
            attempt = Attempt()
            self.stats.calls += 1
            failure: Failure | None = None
            try:
                value = await send(attempt)
            except Exception as exc:
                failure = _classified(exc, classify)
            else:
                state.usage = add_usage(state.usage, attempt.usage)
                try:
                    return self._done(value if read is None else read(value), state, None)
                except (MalformedReply, ValueError, AttributeError, TypeError) as exc:
                    failure = Malformed(str(exc), getattr(exc, "partial", None))
            finally:
                headers = getattr(failure, "headers", None) or attempt.headers
                limited = isinstance(failure, RateLimited)
                self.limiter.release(ticket, headers, limited=limited)
            if isinstance(failure, RateLimited):
                ended = await self._rate_limited(failure, state)
            else:
                ended = await self._fault(failure, state)
            if ended is not None:
                return ended

    async def _rate_limited(
        self, failure: RateLimited, state: _CallState
    ) -> CallResult[Any] | None:
        """Wait the server's ``retry-after`` (or back off), or give up after too many."""
        state.limited += 1
        self.stats.rate_limited += 1
        state.last_error = failure.message
        if state.limited > self.policy.max_rate_limited:
            return self._done(None, state, f"rate limited {state.limited} times")
        delay = failure.retry_after
        if delay is None:
            delay = backoff_delay(state.limited - 1, base=self.policy.backoff_base_s)
        if self.limiter.rate is None:
            self.limiter.pause(delay)
        await asyncio.sleep(delay)
        return None

    async def _fault(self, failure: Failure | None, state: _CallState) -> CallResult[Any] | None:
        """Back off and let the loop retry, or end the call with its error."""
        hint: float | None = None
        if isinstance(failure, Fatal):
            return self._done(None, state, failure.message)
        if isinstance(failure, Malformed):
            state.last_error = f"malformed reply: {failure.message}"
            reason = "malformed"
            state.parse_failures += 1
            if state.parse_failures >= self.policy.max_parse_attempts:
                return self._done(failure.partial, state, state.last_error)
        elif isinstance(failure, Transient):
            state.last_error, reason, hint = failure.message, failure.reason, failure.hint
        else:  # pragma: no cover - ConfigFailure raised, RateLimited handled elsewhere
            raise AssertionError(failure)
        state.failures += 1
        self.stats.note_retry(reason)
        if state.failures >= self.policy.max_attempts:
            error = f"gave up after {state.failures} attempts: {state.last_error}"
            return self._done(None, state, error)
        log.debug("retrying a model call after %s (attempt %d)", reason, state.failures)
        wait = backoff_delay(state.failures - 1, base=self.policy.backoff_base_s)
        await asyncio.sleep(max(wait, hint or 0.0))
        return None

    def _done(self, value: Any, state: _CallState, error: str | None) -> CallResult[Any]:
        """The call's result; its latency runs from the first send, retries included."""
        usage = state.usage
        if self.price is not None:
            usage = usage.model_copy(update={"cost_usd": self.price.cost(usage)})
        self.stats.usage = add_usage(self.stats.usage, usage)
        started = state.started
        latency = time.monotonic() - started if started is not None else 0.0
        return CallResult(value, usage, scrub_optional(error), latency)


@dataclass
class _CallState:
    started: float | None = None
    usage: Usage = field(default_factory=Usage)
    failures: int = 0
    parse_failures: int = 0
    limited: int = 0
    last_error: str = "no attempt made"


def _classified(exc: Exception, classify: Classifier) -> Failure:
    """What ``exc`` means for the loop; raises config failures and unknown exceptions."""
    if isinstance(exc, MalformedReply):
        return Malformed(str(exc), exc.partial)
    failure = classify(exc)
    if failure is None:
        raise exc
    if isinstance(failure, ConfigFailure):
        raise JudgeConfigError(scrub_secrets(failure.message)) from None
    return failure
