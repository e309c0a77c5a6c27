"""A talking Claude: the Messages API through the ``anthropic`` SDK, on the judges'
shared call loop and with the judge's exception classifier.

The system prompt and the conversation so far are cache prefixes (``cache_control``
on the system block, on the last block of the last turn, and on the last block of
the turn before the previous one, where the previous request ended), so each turn
of a conversation reads what the previous turn wrote instead of paying for it again.
"""

from __future__ import annotations

import os
from typing import Any

import anthropic
import httpx2

from checker.audit.clients._base import ChatMessage, ChatReply, ChatRequest, Reader, ToolCall
from checker.errors import JudgeConfigError
from checker.judges.anthropic import KEY_ENV, classify, usage_of
from checker.judges.llm import (
    Attempt,
    CallResult,
    JudgeStats,
    MalformedReply,
    ModelCaller,
    RetryPolicy,
    normalise_server,
)
from checker.pricing import price_for
from checker.ratelimit import AdaptiveLimiter

_CACHE = {"type": "ephemeral"}


class AnthropicChat:
    """Implements :class:`checker.audit.clients.ChatClient` for the Messages API."""

    provider = "anthropic"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        limiter: AdaptiveLimiter | None = None,
        policy: RetryPolicy | None = None,
        cache_prefix: bool = True,
    ) -> None:
        self.model = model
        self.cache_prefix = cache_prefix
        self.timeout_s = timeout_s
        self._caller = ModelCaller(
            limiter or AdaptiveLimiter(max_concurrency=16),
            policy=policy or RetryPolicy(),
            price=price_for(model),
            stats=JudgeStats(),
        )
        self._client = _make_client(api_key, base_url, timeout_s)
        self.server = normalise_server(str(self._client.base_url))

    @property
    def stats(self) -> JudgeStats:
        return self._caller.stats

    async def aclose(self) -> None:
        await self._client.close()

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The Messages API request for ``request``."""
        marker: dict[str, Any] = {"cache_control": _CACHE} if self.cache_prefix else {}
        messages = [_message(m) for m in request.messages]
        if marker:
            # this turn's end is written; the previous turn's end (two messages back) is
            # where this turn reads what the previous one wrote
            for message in messages[-1:-4:-2]:
                if message["content"]:
                    message["content"][-1].update(marker)
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": [{"type": "text", "text": request.system, **marker}],
            "messages": messages,
        }
        if request.tools:
            body["tools"] = [t.model_dump() for t in request.tools]
        if request.json_schema is not None:
            schema = {"type": "json_schema", "schema": request.json_schema}
            body["output_config"] = {"format": schema}
        return body

    async def complete(
        self, request: ChatRequest, read: Reader | None = None
    ) -> CallResult[ChatReply]:
        """One reply through the shared retry loop; failures come back as ``error``."""
        body = self.body(request)

        async def send(attempt: Attempt) -> Any:
            raw = await self._client.messages.with_raw_response.create(
                **body, timeout=self.timeout_s
            )
            attempt.headers = raw.headers
            message = await raw.parse()
            attempt.usage = usage_of(message)
            return message

        def read_reply(message: Any) -> ChatReply:
            reply = _reply(message)
            if read is not None:
                read(reply)
            return reply

        result = await self._caller.call(send, classify, read_reply)
        if isinstance(result.value, ChatReply):
            result.value = result.value.model_copy(update={"usage": result.usage})
        return result


def _message(message: ChatMessage) -> dict[str, Any]:
    content: list[dict[str, Any]] = [
        {"type": "tool_result", "tool_use_id": r.call_id, "content": r.output}
        for r in message.tool_results
    ]
    if message.text:
        content.append({"type": "text", "text": message.text})
    content += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.input or {}}
        for c in message.tool_calls
    ]
    return {"role": message.role, "content": content}


def _reply(message: Any) -> ChatReply:
    stop = getattr(message, "stop_reason", None) or "end_turn"
    content = getattr(message, "content", None) or []
    text = "".join(b.text for b in content if getattr(b, "type", None) == "text")
    calls = tuple(
        ToolCall(id=b.id, name=b.name, input=b.input)
        for b in content
        if getattr(b, "type", None) == "tool_use"
    )
    if not text and not calls and stop not in ("refusal", "max_tokens"):
        raise MalformedReply("the reply holds neither text nor a tool call")
    return ChatReply(text=text, tool_calls=calls, stop=str(stop), usage=usage_of(message))


def _make_client(
    api_key: str | None, base_url: str | None, timeout_s: float
) -> anthropic.AsyncAnthropic:
    if api_key is None and not (os.environ.get(KEY_ENV) or os.environ.get("ANTHROPIC_AUTH_TOKEN")):
        raise JudgeConfigError("an anthropic model needs an API key: set ANTHROPIC_API_KEY")
    return anthropic.AsyncAnthropic(
        api_key=api_key,
        base_url=base_url,
        max_retries=0,  # the shared call loop retries, paced by its limiter
        timeout=httpx2.Timeout(timeout_s, connect=10.0),
        open_telemetry=None if os.environ.get("ANTHROPIC_OPEN_TELEMETRY") else False,
    )
