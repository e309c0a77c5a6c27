"""The OpenAI-compatible judge: grades through ``/v1/chat/completions`` on any server
that speaks it (OpenAI, vLLM, Ollama, llama.cpp's server, LM Studio, gateways).

- structured output: the best mode the server supports, found at run time and kept
  for the rest of the run (:mod:`._modes`); a reply that does not validate, is cut
  off (``finish_reason: length``) or refused is retried, then recorded as ``error``;
- pacing and retries: the shared call loop of :mod:`checker.judges.llm.calling`,
  paced from ``x-ratelimit-*`` headers when the server sends them and by 429s and
  latency when it does not; the SDK's own retries are off;
- prompt reuse: every request is ``system`` (instructions, the same for the run)
  then ``user`` (the transcript, then the question), so per-principle calls on one
  transcript share everything but their last lines. Servers that cache prefixes
  (OpenAI, vLLM, llama.cpp) reuse it; the first call on a transcript goes alone so
  the others find it cached. ``usage.prompt_tokens_details.cached_tokens`` is counted
  as cache reads when the server reports it (:meth:`OpenAIJudge.run_stats` says when
  it does not);
- a refused key, a forbidden project, an unknown model or a wrong base URL stop
  the run (:class:`checker.errors.JudgeConfigError`), not one error per judgment.

The key is never logged, stored or put in a message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import openai
from pydantic import BaseModel

from checker.judges._protocol import JudgeBase, JudgeRunStats
from checker.judges.llm import (
    OUTPUT_TOKENS_ESTIMATE,
    PROMPT_VERSION,
    Attempt,
    CallResult,
    GroupedReply,
    JudgeStats,
    MalformedReply,
    ModelCaller,
    RetryPolicy,
    VerdictReply,
    WarmPrefix,
    grouped_request,
    grouped_verdicts,
    normalise_server,
    principle_request,
    render_transcript,
    system_prompt,
    verdict_from_reply,
)
from checker.judges.llm.tokens import estimate_chat_tokens, estimate_tokens
from checker.judges.openai._config import (
    LOCAL_PLACEHOLDER_KEY,
    make_client,
    resolve_api_key,
    resolve_base_url,
    resolve_model,
)
from checker.judges.openai._modes import (
    MODES,
    ModeChooser,
    format_fields,
    rejects_mode,
    schema_in_prompt,
    schema_instructions,
)
from checker.judges.openai._reply import (
    CutOff,
    classify,
    describe,
    error_message,
    parse_completion,
    reply_schema,
    usage_of,
)
from checker.judges.openai._request import ParameterFallbacks, cached_prefix_tokens
from checker.pricing import price_for
from checker.ratelimit import AdaptiveLimiter
from checker.secrets import register_secret
from checker.transcript import Transcript
from checker.verdict import Usage, Verdict
from constitution.model import Constitution, Principle

JUDGE_VERSION = PROMPT_VERSION + ";openai"
"""The prompt version of this judge (the same instructions, laid out for chat completions)."""


class OpenAIJudge(JudgeBase):
    """Grades with a model behind an OpenAI-compatible server; see the module docs."""

    name = "openai"

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        client: openai.AsyncOpenAI | None = None,
        modes: Sequence[str] | None = None,
        temperature: float | None = 0.0,
        max_tokens: int = 4096,
        timeout_s: float = 120.0,
        max_concurrency: int = 64,
        max_attempts: int = 6,
        max_parse_attempts: int = 3,
        max_rate_limited: int = 50,
        backoff_base_s: float = 0.5,
        warm_prefix: bool = True,
        limiter: AdaptiveLimiter | None = None,
        offline: bool = False,
    ) -> None:
        self.model = resolve_model(model)
        chosen = tuple(modes) if modes else MODES
        self._modes = ModeChooser(chosen)
        # a fixed mode changes judgments, so it is part of the cache key; the automatic
        # choice is the server's (the server is in the key) and recorded in the run stats
        fixed = ";mode=" + ",".join(chosen) if modes else ""
        self.prompt_version = JUDGE_VERSION + fixed
        self.timeout_s = timeout_s
        self.warm_prefix = warm_prefix
        self._params = ParameterFallbacks(temperature, max_tokens)
        self._price = price_for(self.model)
        policy = RetryPolicy(max_attempts, max_parse_attempts, max_rate_limited, backoff_base_s)
        self._caller = ModelCaller(
            limiter or AdaptiveLimiter(max_concurrency=max_concurrency),
            policy=policy,
            price=self._price,
            stats=JudgeStats(),
        )
        url = resolve_base_url(str(client.base_url) if client is not None else base_url)
        self.server = normalise_server(url)
        self._client: openai.AsyncOpenAI | None = client
        if client is None and not offline:
            self._client = make_client(resolve_api_key(api_key, url), url, timeout_s)
        for secret in (api_key, getattr(self._client, "api_key", None)):
            if secret != LOCAL_PLACEHOLDER_KEY:
                register_secret(secret)  # scrubbed from every error it may be echoed in
        self._warm = WarmPrefix()
        self._system_cache: dict[tuple[Any, ...], str] = {}
        self.cache_reported: bool | None = None
        """Whether the server reported cached prompt tokens (None before any reply)."""
        self.mode_rejections = 0

    @property
    def limiter(self) -> AdaptiveLimiter:
        return self._caller.limiter

    @property
    def stats(self) -> JudgeStats:
        return self._caller.stats

    @property
    def mode(self) -> str:
        """The structured-output mode requests use now (settled after the first reply)."""
        return self._modes.current

    @property
    def price_known(self) -> bool:
        """Whether the model's price is known (else estimates cost 0 and say so)."""
        return self._price.known

    estimate_method = (
        "input tokens counted locally (characters, words, punctuation; within the bound"
        " docs/JUDGES.md states against our fake server's counts, not a real tokenizer's)"
    )
    """How :meth:`estimate` counts input tokens."""

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def __aenter__(self) -> OpenAIJudge:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def run_stats(self) -> JudgeRunStats:
        """The mode the run settled on, and whether the server reports its prompt cache."""
        cache = {None: "no reply yet", True: "reported", False: "not reported by the server"}
        labels = {
            "structured_output": self._modes.current,
            "cached_tokens": cache[self.cache_reported],
        }
        return JudgeRunStats("openai", labels, {"mode_rejections": self.mode_rejections})

    # -- grading ----------------------------------------------------------------------

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict:
        """One (transcript, principle) judgment; failures come back as ``Outcome.ERROR``."""
        question = principle_request(principle, constitution)

        async def call() -> CallResult[Any]:
            return await self._call(constitution, transcript, question, VerdictReply)

        if self.warm_prefix and self._prefix_tokens(constitution, transcript) >= 1024:
            parts = (self.model, self._system(constitution), transcript.content_hash())
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
        """Grouped mode: one call judges ``transcript`` against every principle."""
        ids = [p.id for p in principles]
        question = grouped_request(list(principles), constitution)
        result = await self._call(constitution, transcript, question, GroupedReply, ids)
        return grouped_verdicts(self, transcript, principles, sample_index, result)

    async def estimate(
        self,
        transcript: Transcript,
        principles: Sequence[Principle],
        constitution: Constitution,
        *,
        grouped: bool = False,
    ) -> Usage:
        """Tokens and cost before any spend, counted locally (no key, no network).

        See :mod:`checker.judges.llm.tokens` for the count and its bound. Per-principle
        mode counts the shared prefix as read from the server's cache by every call
        but the first, as OpenAI caches prompts (from 1,024 tokens, in 128-token steps).
        """
        if not principles:
            return Usage()
        schema = GroupedReply if grouped else VerdictReply
        prefix = self._prefix_tokens(constitution, transcript, schema)
        output = OUTPUT_TOKENS_ESTIMATE * len(principles)
        if grouped:
            question = grouped_request(list(principles), constitution)
            usage = Usage(input_tokens=prefix + estimate_tokens(question), output_tokens=output)
        else:
            questions = sum(estimate_tokens(principle_request(p, constitution)) for p in principles)
            cached = cached_prefix_tokens(prefix) * (len(principles) - 1)
            usage = Usage(
                input_tokens=prefix * len(principles) + questions - cached,
                cache_read_tokens=cached,
                output_tokens=output,
            )
        return usage.model_copy(update={"cost_usd": self._price.cost(usage)})

    # -- requests ---------------------------------------------------------------------

    def _system(self, constitution: Constitution) -> str:
        key = (constitution.id, constitution.version, constitution.title, constitution.tiers)
        if key not in self._system_cache:
            self._system_cache[key] = system_prompt(constitution)
        return self._system_cache[key]

    def _prefix_tokens(
        self,
        constitution: Constitution,
        transcript: Transcript,
        schema: type[BaseModel] = VerdictReply,
    ) -> int:
        schema_json = json.dumps(reply_schema(schema))
        texts = [self._system(constitution), render_transcript(transcript)]
        return estimate_chat_tokens(texts, schema=schema_json)

    def _body(
        self,
        mode: str,
        constitution: Constitution,
        transcript: Transcript,
        question: str,
        schema: type[BaseModel],
    ) -> dict[str, Any]:
        json_schema = reply_schema(schema)
        system = self._system(constitution)
        if schema_in_prompt(mode):
            system += schema_instructions(json_schema)
        user = render_transcript(transcript) + "\n\n" + question
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        name = "verdicts" if schema is GroupedReply else "verdict"
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        body.update(self._params.fields())
        body.update(format_fields(mode, json_schema, name))
        return body

    async def _call(
        self,
        constitution: Constitution,
        transcript: Transcript,
        question: str,
        schema: type[BaseModel],
        expect_ids: Sequence[str] = (),
    ) -> CallResult[Any]:
        """One logical call through the shared retry loop (see :mod:`checker.judges.llm`)."""
        if self._client is None:
            raise RuntimeError("this judge was built offline (for estimates): it cannot grade")
        client = self._client

        async def send(attempt: Attempt) -> tuple[str, Any]:
            while True:
                mode = self._modes.current
                body = self._body(mode, constitution, transcript, question, schema)
                try:
                    raw = await client.chat.completions.with_raw_response.create(
                        **body, timeout=self.timeout_s
                    )
                except openai.APIStatusError as exc:
                    if self._adjusted(mode, body, exc):
                        continue
                    raise
                attempt.headers = raw.headers
                completion = raw.parse()
                attempt.usage, reported = usage_of(completion)
                self.cache_reported = bool(self.cache_reported) or reported
                return mode, completion

        def read(sent: tuple[str, Any]) -> BaseModel:
            mode, completion = sent
            try:
                reply = parse_completion(completion, mode, schema, expect_ids)
            except CutOff:
                raise
            except MalformedReply:
                self._modes.answered(mode, followed=False)
                raise
            self._modes.answered(mode, followed=True)
            return reply

        return await self._caller.call(send, classify, read)

    def _adjusted(self, mode: str, sent: dict[str, Any], exc: openai.APIStatusError) -> bool:
        """Whether a rejection was mended (a parameter dropped, the next mode): send again."""
        message = error_message(exc)
        if exc.status_code in (400, 422) and self._params.adjust(message, sent):
            return True
        if rejects_mode(exc.status_code, message) and self._modes.rejected_by_server(
            mode, describe(exc)
        ):
            self.mode_rejections += 1
            return True
        return False
