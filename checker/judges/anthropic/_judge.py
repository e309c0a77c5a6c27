"""The Claude judge: grades transcripts against principles through the Messages API.

It uses the official ``anthropic`` SDK (async) and only documented request
features, so it works against any server implementing the Messages API
(``ANTHROPIC_BASE_URL`` or ``base_url=``):

- the reply is structured output (``output_config.format`` with a JSON schema, the
  default) or a forced tool call (``output="tool"``, for models that still accept
  one), parsed into pydantic models of :mod:`checker.prompts`; a reply that does
  not parse is retried, then recorded as ``Outcome.ERROR``, never as a pass;
- the transcript is a cached prefix (``cache_control`` breakpoints on the system
  prompt and the transcript block). Per-principle calls on one transcript wait for
  the first one to finish, so the transcript is written to the cache once and read
  by the others instead of every call paying for a write;
- the SDK's own retries are off: :class:`checker.ratelimit.AdaptiveLimiter` paces
  requests from the rate-limit headers, a 429 waits its ``retry-after``, and 529,
  5xx, timeouts, broken connections and truncated bodies back off with jitter.

The API key is read by the SDK (``ANTHROPIC_API_KEY``) or passed in; it is never
logged, stored or put in an error message.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import anthropic
import httpx2
from pydantic import BaseModel

from checker.anthropic_reply import (
    MalformedReply,
    add_usage,
    parse_reply,
    reply_schema,
    split_usage,
    usage_of,
)
from checker.errors import JudgeConfigError
from checker.judge import verdict_provenance
from checker.pricing import price_for
from checker.prompts import (
    PROMPT_VERSION,
    GroupedReply,
    VerdictReply,
    grouped_request,
    principle_request,
    render_transcript,
    system_prompt,
)
from checker.ratelimit import AdaptiveLimiter, backoff_delay, retry_after_seconds
from checker.transcript import Transcript
from checker.verdict import Evidence, Outcome, Usage, Verdict
from constitution.model import Constitution, Principle

log = logging.getLogger(__name__)

DEFAULT_MODEL = "claude-sonnet-5-5"
"""The current Sonnet-class model (see the SDK's model list)."""
MODEL_ENV = "CONSTITUTION_MODEL"
TOOL_NAME = "record_verdict"
_CACHE = {"type": "ephemeral"}
MIN_CACHEABLE_TOKENS = 1024
"""The shortest prefix the API caches on most models (some accept shorter ones)."""
OUTPUT_TOKENS_ESTIMATE = 250
"""Output tokens assumed per verdict in estimates (rationale, quotes, some thinking)."""
_R = TypeVar("_R", bound=BaseModel)


_EFFORT_MODELS = (
    "claude-opus-4-5",
    "claude-opus-4-6",
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-sonnet-4-6",
    "claude-opus-5",
    "claude-sonnet-5",
    "claude-haiku-5",
    "claude-fable-5",
    "claude-mythos-5",
)


def default_effort(model: str) -> str | None:
    """``low`` for models known to take ``output_config.effort``, else ``None`` (not sent).

    Grading needs little deliberation; older models reject the field.
    """
    return "low" if model.startswith(_EFFORT_MODELS) else None


def judge_version(output: str, effort: str | None) -> str:
    """The prompt version as recorded in verdicts: template version, reply mode, effort."""
    version = PROMPT_VERSION + (";tool" if output == "tool" else "")
    return version + (f";effort={effort}" if effort else "")


def resolve_model(model: str | None = None, configured: str | None = None) -> str:
    """The model to use: ``model`` (``--model``), else ``$CONSTITUTION_MODEL``, else
    ``configured`` (a config file's choice), else :data:`DEFAULT_MODEL`."""
    return model or os.environ.get(MODEL_ENV) or configured or DEFAULT_MODEL


@dataclass
class JudgeStats:
    """What the judge did: calls, retries and why, tokens."""

    calls: int = 0
    """HTTP requests sent to the Messages API."""
    rate_limited: int = 0
    retried: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    """Judgments recorded as ``error``."""
    usage: Usage = field(default_factory=Usage)

    def note_retry(self, reason: str) -> None:
        self.retried[reason] = self.retried.get(reason, 0) + 1


@dataclass
class _CallResult:
    reply: BaseModel | None
    usage: Usage
    error: str | None
    latency_s: float


class AnthropicJudge:
    """Grades with Claude. Implements :class:`checker.judge.Judge`; see the module docs."""

    name = "anthropic"

    def __init__(
        self,
        *,
        model: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        client: anthropic.AsyncAnthropic | None = None,
        output: Literal["json_schema", "tool"] = "json_schema",
        effort: Literal["auto", "low", "medium", "high", "xhigh", "max"] | None = "auto",
        max_tokens: int = 4096,
        timeout_s: float = 120.0,
        max_concurrency: int = 64,
        max_attempts: int = 6,
        max_parse_attempts: int = 3,
        max_rate_limited: int = 50,
        backoff_base_s: float = 0.5,
        cache_prefix: bool = True,
        limiter: AdaptiveLimiter | None = None,
        count_tokens: bool = False,
    ) -> None:
        self.model = resolve_model(model)
        self.output = output
        self.effort = default_effort(self.model) if effort == "auto" else effort
        # the template version plus the settings that change judgments: a cache key part
        self.prompt_version = judge_version(output, self.effort)
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.max_parse_attempts = max_parse_attempts
        self.max_rate_limited = max_rate_limited
        self.backoff_base_s = backoff_base_s
        self.cache_prefix = cache_prefix
        self.count_tokens = count_tokens
        self._question_counts: dict[str, int] = {}
        self.limiter = limiter or AdaptiveLimiter(max_concurrency=max_concurrency)
        self.stats = JudgeStats()
        self._price = price_for(self.model)
        self._client = client or _make_client(api_key, base_url, timeout_s)
        self._warm: dict[str, asyncio.Event] = {}
        self._system_cache: dict[tuple[Any, ...], str] = {}

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> AnthropicJudge:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- public API -------------------------------------------------------------------

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict:
        """One (transcript, principle) judgment; failures come back as ``Outcome.ERROR``."""
        system = self._system(constitution)
        body = self._request(
            system,
            transcript,
            principle_request(principle, constitution),
            VerdictReply,
        )
        result = await self._with_warm_prefix(
            system, transcript, lambda: self._call(body, VerdictReply)
        )
        reply = result.reply if isinstance(result.reply, VerdictReply) else None
        return self._verdict(transcript, principle, sample_index, reply, result)

    async def grade_many(
        self,
        transcript: Transcript,
        principles: Sequence[Principle],
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> list[Verdict]:
        """Grouped mode: one call judges ``transcript`` against every principle.

        The call's usage and latency are shared evenly among the verdicts. A principle
        missing from the reply (after the retries) gets an ``Outcome.ERROR`` verdict;
        the verdicts that did come back are kept.
        """
        ids = [p.id for p in principles]
        system = self._system(constitution)
        question = grouped_request(list(principles), constitution)
        # one call per transcript: a cache write would cost 1.25x and never be read
        body = self._request(system, transcript, question, GroupedReply, cache=False)
        result = await self._call(body, GroupedReply, expect_ids=ids)
        found: dict[str, VerdictReply] = {}
        if isinstance(result.reply, GroupedReply):
            found = {v.principle_id: v for v in result.reply.verdicts if v.principle_id in ids}
        shares = split_usage(result.usage, len(principles))
        verdicts = []
        for principle, usage in zip(principles, shares, strict=True):
            reply = found.get(principle.id)
            error = result.error or (None if reply else "reply has no verdict for this principle")
            share = _CallResult(reply, usage, error, result.latency_s / max(1, len(principles)))
            verdicts.append(self._verdict(transcript, principle, sample_index, reply, share))
        return verdicts

    async def estimate(
        self,
        transcript: Transcript,
        principles: Sequence[Principle],
        constitution: Constitution,
        *,
        grouped: bool = False,
    ) -> Usage:
        """Tokens and cost of grading ``transcript`` against ``principles``, before any spend.

        Input tokens are counted locally (about four characters a token) unless the
        judge was built with ``count_tokens=True``, which asks the free
        ``/v1/messages/count_tokens`` endpoint. Output is :data:`OUTPUT_TOKENS_ESTIMATE`
        per verdict. Per-principle mode counts the transcript prefix as written to the
        cache once and read by the other principles.
        """
        if not principles:
            return Usage()
        system = self._system(constitution)
        schema = GroupedReply if grouped else VerdictReply
        prefix = await self._count(self._prefix_body(system, transcript, schema))
        output = OUTPUT_TOKENS_ESTIMATE * len(principles)
        if grouped:
            question = grouped_request(list(principles), constitution)
            usage = Usage(input_tokens=prefix + _rough_tokens(question), output_tokens=output)
        else:
            questions = [await self._question_tokens(p, constitution) for p in principles]
            cached = self.cache_prefix and prefix >= MIN_CACHEABLE_TOKENS
            usage = Usage(
                input_tokens=sum(questions) + (0 if cached else prefix * len(principles)),
                cache_write_tokens=prefix if cached else 0,
                cache_read_tokens=prefix * (len(principles) - 1) if cached else 0,
                output_tokens=output,
            )
        return usage.model_copy(update={"cost_usd": self._price.cost(usage)})

    def _prefix_body(
        self, system: str, transcript: Transcript, schema: type[BaseModel]
    ) -> dict[str, Any]:
        body = self._request(system, transcript, "", schema)
        body["messages"][0]["content"].pop()
        return body

    async def _count(self, body: dict[str, Any]) -> int:
        if not self.count_tokens:
            texts = [block["text"] for block in body["system"]]
            texts += [block["text"] for block in body["messages"][0]["content"]]
            extras = [body.get("output_config"), body.get("tools")]
            schema = json.dumps([x for x in extras if x], separators=(",", ":"))
            return sum(_rough_tokens(t) for t in texts) + _rough_tokens(schema)
        keep = ("model", "system", "messages", "output_config", "tools", "tool_choice")
        counted = await self._client.messages.count_tokens(
            **{k: v for k, v in body.items() if k in keep}
        )
        return counted.input_tokens

    async def _question_tokens(self, principle: Principle, constitution: Constitution) -> int:
        question = principle_request(principle, constitution)
        if not self.count_tokens:
            return _rough_tokens(question)
        key = principle.content_hash()
        if key not in self._question_counts:
            empty = Transcript(id="empty", messages=())
            body = self._prefix_body(self._system(constitution), empty, VerdictReply)
            base = await self._count(body)
            body["messages"][0]["content"].append({"type": "text", "text": question})
            self._question_counts[key] = max(0, await self._count(body) - base)
        return self._question_counts[key]

    # -- request building -------------------------------------------------------------

    def _system(self, constitution: Constitution) -> str:
        key = (constitution.id, constitution.version, constitution.title, constitution.tiers)
        if key not in self._system_cache:
            self._system_cache[key] = system_prompt(constitution)
        return self._system_cache[key]

    def _request(
        self,
        system: str,
        transcript: Transcript,
        question: str,
        schema: type[BaseModel],
        *,
        cache: bool = True,
    ) -> dict[str, Any]:
        marker: dict[str, Any] = {"cache_control": _CACHE} if self.cache_prefix else {}
        transcript_marker = marker if cache else {}
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [{"type": "text", "text": system, **marker}],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "text",
                            "text": render_transcript(transcript),
                            **transcript_marker,
                        },
                        {"type": "text", "text": question},
                    ],
                }
            ],
        }
        output_config: dict[str, Any] = {}
        if self.effort is not None:
            output_config["effort"] = self.effort
        json_schema = reply_schema(schema)
        if self.output == "tool":
            body["tools"] = [
                {
                    "name": TOOL_NAME,
                    "description": "Record the verdict(s) on the transcript.",
                    "input_schema": json_schema,
                }
            ]
            body["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
        else:
            output_config["format"] = {"type": "json_schema", "schema": json_schema}
        if output_config:
            body["output_config"] = output_config
        return body

    async def _with_warm_prefix(
        self, system: str, transcript: Transcript, call: Callable[[], Awaitable[_CallResult]]
    ) -> _CallResult:
        """Let the first call on a transcript write the cache before the others read it."""
        if not self.cache_prefix:
            return await call()
        key = hashlib.sha256(
            f"{self.model}\0{system}\0{transcript.content_hash()}".encode()
        ).hexdigest()
        event = self._warm.get(key)
        if event is None:
            self._warm[key] = event = asyncio.Event()
            try:
                return await call()
            finally:
                event.set()
        await event.wait()
        return await call()

    # -- the call with its retries ----------------------------------------------------

    async def _call(
        self, body: Mapping[str, Any], schema: type[_R], *, expect_ids: Sequence[str] = ()
    ) -> _CallResult:
        usage = Usage()
        started: float | None = None  # the first send: queueing before it is not latency
        failures = parse_failures = limited = 0
        last_error = "no attempt made"
        while True:
            ticket = await self.limiter.acquire()
            if started is None:
                started = time.monotonic()
            headers: Mapping[str, str] | None = None
            was_limited = False
            delay: float | None = None
            hint: float | None = None  # a retry-after sent with a 5xx
            self.stats.calls += 1
            try:
                raw = await self._client.messages.with_raw_response.create(
                    **body, timeout=self.timeout_s
                )
                headers = raw.headers
                message = await raw.parse()
                usage = add_usage(usage, usage_of(message))
                reply = parse_reply(message, schema, self.output, expect_ids)
                return self._done(reply, usage, None, started)
            except anthropic.RateLimitError as exc:
                headers, was_limited = exc.response.headers, True
                limited += 1
                self.stats.rate_limited += 1
                last_error = _describe(exc)
                if limited > self.max_rate_limited:
                    return self._done(None, usage, f"rate limited {limited} times", started)
                delay = retry_after_seconds(headers)
                if delay is None:
                    delay = backoff_delay(limited - 1, base=self.backoff_base_s)
                if self.limiter.rate is None:
                    self.limiter.pause(delay)
                continue
            except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
                raise JudgeConfigError(
                    f"the Messages API refused the credentials: {_describe(exc)}"
                ) from None
            except anthropic.APIStatusError as exc:
                headers = exc.response.headers
                last_error = _describe(exc)
                if not _retryable_status(exc.status_code):
                    return self._done(None, usage, last_error, started)
                reason = str(exc.status_code)
                hint = retry_after_seconds(headers)
            except (anthropic.APIConnectionError, httpx2.TransportError) as exc:
                last_error = _describe(exc)
                reason = "timeout" if isinstance(exc, anthropic.APITimeoutError) else "connection"
            except (MalformedReply, ValueError, AttributeError, TypeError) as exc:
                last_error = f"malformed reply: {exc}"
                reason = "malformed"
                parse_failures += 1
                if parse_failures >= self.max_parse_attempts:
                    partial = exc.partial if isinstance(exc, MalformedReply) else None
                    return self._done(partial, usage, last_error, started)
            finally:
                self.limiter.release(ticket, headers, limited=was_limited)
                if delay is not None:
                    await asyncio.sleep(delay)
            failures += 1
            self.stats.note_retry(reason)
            if failures >= self.max_attempts:
                return self._done(
                    None, usage, f"gave up after {failures} attempts: {last_error}", started
                )
            log.debug("retrying a judgment after %s (attempt %d)", reason, failures)
            wait = backoff_delay(failures - 1, base=self.backoff_base_s)
            await asyncio.sleep(max(wait, hint or 0.0))

    def _done(
        self, reply: BaseModel | None, usage: Usage, error: str | None, started: float | None
    ) -> _CallResult:
        """The call's result; its latency runs from the first send, retries included."""
        usage = usage.model_copy(update={"cost_usd": self._price.cost(usage)})
        self.stats.usage = add_usage(self.stats.usage, usage)
        latency = time.monotonic() - started if started is not None else 0.0
        return _CallResult(reply, usage, error, latency)

    def _verdict(
        self,
        transcript: Transcript,
        principle: Principle,
        sample_index: int,
        reply: VerdictReply | None,
        result: _CallResult,
    ) -> Verdict:
        common: dict[str, Any] = {
            **verdict_provenance(self, transcript, principle, sample_index),
            "usage": result.usage,
            "latency_s": result.latency_s,
        }
        if reply is None:
            self.stats.errors += 1
            error = result.error or "no verdict in the reply"
            return Verdict(outcome=Outcome.ERROR, error=error, **common)
        return Verdict(
            outcome=Outcome(reply.outcome),
            score=reply.score,
            confidence=reply.confidence,
            rationale=reply.rationale,
            evidence=tuple(
                Evidence(message_index=q.message_index, quote=q.quote) for q in reply.evidence
            ),
            **common,
        )


# -- helpers ------------------------------------------------------------------------------


def _make_client(
    api_key: str | None, base_url: str | None, timeout_s: float
) -> anthropic.AsyncAnthropic:
    if api_key is None and not (
        os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN")
    ):
        raise JudgeConfigError(
            "the anthropic judge needs an API key: set ANTHROPIC_API_KEY (or use --judge local)"
        )
    return anthropic.AsyncAnthropic(
        api_key=api_key,
        base_url=base_url,
        max_retries=0,  # the judge retries itself, paced by its limiter
        timeout=httpx2.Timeout(timeout_s, connect=10.0),
        # tracing spans cost ~0.3 ms a call: on only when asked for through the SDK's variable
        open_telemetry=None if os.environ.get("ANTHROPIC_OPEN_TELEMETRY") else False,
    )


def _rough_tokens(text: str) -> int:
    return max(1, -(-len(text) // 4))


def _retryable_status(status: int) -> bool:
    return status in (408, 409) or status >= 500


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    kind = getattr(exc, "type", None)
    message = getattr(exc, "api_message", None) or getattr(exc, "message", None) or str(exc)
    head = " ".join(str(x) for x in (status, kind) if x)
    text = f"{head}: {message}" if head else str(message)
    return text[:300]
