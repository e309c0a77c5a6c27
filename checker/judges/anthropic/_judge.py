"""The Claude judge: grades transcripts against principles through the Messages API.

It uses the official ``anthropic`` SDK (async) and only documented request
features, so it works against any server implementing the Messages API
(``ANTHROPIC_BASE_URL`` or ``base_url=``):

- the reply is structured output (``output_config.format`` with a JSON schema, the
  default) or a forced tool call (``output="tool"``, for models that still accept
  one), parsed into pydantic models of :mod:`checker.judges.llm.prompts`; a reply
  that does not parse is retried, then recorded as ``Outcome.ERROR``, never as a pass;
- the transcript is a cached prefix (``cache_control`` breakpoints on the system
  prompt and the transcript block). Per-principle calls on one transcript wait for
  the first one to finish, so the transcript is written to the cache once and read
  by the others instead of every call paying for a write;
- the SDK's own retries are off: the shared call loop of
  :mod:`checker.judges.llm.calling` paces requests through
  :class:`checker.ratelimit.AdaptiveLimiter` from the rate-limit headers, a 429
  waits its ``retry-after``, and 529, 5xx, timeouts, broken connections and
  truncated bodies back off with jitter (:func:`classify` says which is which).

The API key is read by the SDK (``ANTHROPIC_API_KEY``) or passed in; it is never
logged, stored or put in an error message.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal

import anthropic
import httpx2
from pydantic import BaseModel

from checker.errors import JudgeConfigError
from checker.judges._protocol import JudgeBase
from checker.judges.anthropic._batch import AnthropicBatching
from checker.judges.anthropic._reply import classify, parse_reply, usage_of
from checker.judges.anthropic._request import (
    MIN_CACHEABLE_TOKENS,
    RequestBuilder,
    default_effort,
    judge_version,
)
from checker.judges.llm import (
    OUTPUT_TOKENS_ESTIMATE,
    Attempt,
    CallResult,
    GroupedReply,
    JudgeStats,
    ModelCaller,
    RetryPolicy,
    VerdictReply,
    WarmPrefix,
    grouped_request,
    grouped_verdicts,
    normalise_server,
    principle_request,
    rough_tokens,
    verdict_from_reply,
)
from checker.pricing import Price, price_for
from checker.ratelimit import AdaptiveLimiter
from checker.secrets import register_secret
from checker.transcript import Transcript
from checker.verdict import Usage, Verdict
from constitution.model import Constitution, Principle

DEFAULT_MODEL = "claude-sonnet-5-5"
"""The current Sonnet-class model (see the SDK's model list)."""
MODEL_ENV = "CONSTITUTION_MODEL"
KEY_ENV = "ANTHROPIC_API_KEY"
OFFLINE_KEY = "offline-dry-run"
"""The placeholder key of a judge built offline (it never sends a request)."""


def resolve_model(model: str | None = None, configured: str | None = None) -> str:
    """The model to use: ``model`` (``--model``), else ``$CONSTITUTION_MODEL``, else
    ``configured`` (a config file's choice), else :data:`DEFAULT_MODEL`."""
    return model or os.environ.get(MODEL_ENV) or configured or DEFAULT_MODEL


class AnthropicJudge(JudgeBase):
    """Grades with Claude. Implements :class:`checker.judges.Judge`; see the module docs."""

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
        offline: bool = False,
    ) -> None:
        self.model = resolve_model(model)
        self.output = output
        self.effort = default_effort(self.model) if effort == "auto" else effort
        # the template version plus the settings that change judgments: a cache key part
        self.prompt_version = judge_version(output, self.effort)
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.cache_prefix = cache_prefix
        self.count_tokens = count_tokens and not offline
        self._question_counts: dict[str, int] = {}
        self._price = price_for(self.model)
        policy = RetryPolicy(max_attempts, max_parse_attempts, max_rate_limited, backoff_base_s)
        self._caller = ModelCaller(
            limiter or AdaptiveLimiter(max_concurrency=max_concurrency),
            policy=policy,
            price=self._price,
            stats=JudgeStats(),
        )
        if offline and client is None:  # a dry run: estimates only, no key, no network
            client = anthropic.AsyncAnthropic(api_key=OFFLINE_KEY, base_url=base_url)
        self._client = client or _make_client(api_key, base_url, timeout_s)
        sdk_keys = [getattr(self._client, name, None) for name in ("api_key", "auth_token")]
        for secret in (api_key, *sdk_keys):
            register_secret(secret)  # scrubbed from every error it may be echoed in
        self.server = normalise_server(str(self._client.base_url))
        self._requests = RequestBuilder(self.model, output, self.effort, max_tokens, cache_prefix)
        self._warm = WarmPrefix()
        self.batching = AnthropicBatching(self)
        """Grading through the Message Batches API (``--batch``, docs/BATCH.md)."""

    @property
    def client(self) -> anthropic.AsyncAnthropic:
        return self._client

    @property
    def requests(self) -> RequestBuilder:
        """Builds this judge's request bodies."""
        return self._requests

    @property
    def price(self) -> Price:
        return self._price

    @property
    def limiter(self) -> AdaptiveLimiter:
        """The limiter pacing this judge's requests (may be shared with other judges)."""
        return self._caller.limiter

    @property
    def stats(self) -> JudgeStats:
        """Calls, retries, errors and tokens so far."""
        return self._caller.stats

    @property
    def price_known(self) -> bool:
        """Whether the model's price is known (else estimates cost 0 and say so)."""
        return self._price.known

    @property
    def estimate_method(self) -> str:
        """How :meth:`estimate` counts input tokens."""
        if self.count_tokens:
            return "input tokens counted by the API's count_tokens endpoint"
        return "input tokens counted locally, about four characters a token"

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
        system = self._requests.system(constitution)
        question = principle_request(principle, constitution)
        body = self._requests.body(system, transcript, question, VerdictReply)

        async def call() -> CallResult[Any]:
            return await self._call(body, VerdictReply)

        if self.cache_prefix:
            parts = (self.model, system, transcript.content_hash())
            result = await self._warm.run(parts, call)
        else:
            result = await call()
        reply = result.value if isinstance(result.value, VerdictReply) else None
        return verdict_from_reply(self, transcript, principle, sample_index, reply, result)

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
        system = self._requests.system(constitution)
        question = grouped_request(list(principles), constitution)
        # one call per transcript: a cache write would cost 1.25x and never be read
        body = self._requests.body(system, transcript, question, GroupedReply, cache=False)
        result = await self._call(body, GroupedReply, expect_ids=ids)
        return grouped_verdicts(self, transcript, principles, sample_index, result)

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
        system = self._requests.system(constitution)
        schema = GroupedReply if grouped else VerdictReply
        prefix = await self._count(self._requests.prefix_body(system, transcript, schema))
        output = OUTPUT_TOKENS_ESTIMATE * len(principles)
        if grouped:
            question = grouped_request(list(principles), constitution)
            usage = Usage(input_tokens=prefix + rough_tokens(question), output_tokens=output)
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

    async def _count(self, body: dict[str, Any]) -> int:
        if not self.count_tokens:
            return self._requests.rough_count(body)
        keep = ("model", "system", "messages", "output_config", "tools", "tool_choice")
        counted = await self._client.messages.count_tokens(
            **{k: v for k, v in body.items() if k in keep}
        )
        return counted.input_tokens

    async def _question_tokens(self, principle: Principle, constitution: Constitution) -> int:
        question = principle_request(principle, constitution)
        if not self.count_tokens:
            return rough_tokens(question)
        key = principle.content_hash()
        if key not in self._question_counts:
            empty = Transcript(id="empty", messages=())
            system = self._requests.system(constitution)
            body = self._requests.prefix_body(system, empty, VerdictReply)
            base = await self._count(body)
            body["messages"][0]["content"].append({"type": "text", "text": question})
            self._question_counts[key] = max(0, await self._count(body) - base)
        return self._question_counts[key]

    # -- the call ---------------------------------------------------------------------

    async def _call(
        self, body: dict[str, Any], schema: type[BaseModel], *, expect_ids: Sequence[str] = ()
    ) -> CallResult[Any]:
        """One logical call through the shared retry loop (see :mod:`checker.judges.llm`)."""

        async def send(attempt: Attempt) -> Any:
            raw = await self._client.messages.with_raw_response.create(
                **body, timeout=self.timeout_s
            )
            attempt.headers = raw.headers
            message = await raw.parse()
            attempt.usage = usage_of(message)
            return message

        def read(message: Any) -> BaseModel:
            return parse_reply(message, schema, self.output, expect_ids)

        return await self._caller.call(send, classify, read)


def _make_client(
    api_key: str | None, base_url: str | None, timeout_s: float
) -> anthropic.AsyncAnthropic:
    if api_key is None and not (os.environ.get(KEY_ENV) or os.environ.get("ANTHROPIC_AUTH_TOKEN")):
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
