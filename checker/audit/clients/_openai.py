"""A talking model behind an OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp,
LM Studio): chat completions through the ``openai`` SDK, with the OpenAI judge's client
setup (server, key, placeholder key for local servers) and exception classifier, on the
judges' shared call loop.
"""

from __future__ import annotations

import json
from typing import Any

from checker.audit.clients._base import ChatMessage, ChatReply, ChatRequest, Reader, ToolCall
from checker.judges.llm import (
    Attempt,
    CallResult,
    JudgeStats,
    MalformedReply,
    ModelCaller,
    RetryPolicy,
    normalise_server,
)
from checker.judges.openai import classify, resolve_api_key, resolve_base_url, usage_of
from checker.judges.openai._config import make_client
from checker.pricing import price_for
from checker.ratelimit import AdaptiveLimiter

_STOPS = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}


class OpenAIChat:
    """Implements :class:`checker.audit.clients.ChatClient` for chat completions."""

    provider = "openai"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        limiter: AdaptiveLimiter | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.model = model
        self.timeout_s = timeout_s
        url = resolve_base_url(base_url)
        self._client = make_client(resolve_api_key(api_key, url), url, timeout_s)
        self.server = normalise_server(url)
        self._caller = ModelCaller(
            limiter or AdaptiveLimiter(max_concurrency=16),
            policy=policy or RetryPolicy(),
            price=price_for(model),
            stats=JudgeStats(),
        )

    @property
    def stats(self) -> JudgeStats:
        return self._caller.stats

    async def aclose(self) -> None:
        await self._client.close()

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The chat completion request for ``request``."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": request.system}]
        for message in request.messages:
            messages.extend(_messages(message))
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_tokens,
        }
        if request.tools:
            body["tools"] = [
                {"type": "function", "function": {"name": t.name, "description": t.description,
                                                  "parameters": t.input_schema}}
                for t in request.tools
            ]  # fmt: skip
        if request.json_schema is not None:
            schema = {"name": "reply", "schema": request.json_schema}
            body["response_format"] = {"type": "json_schema", "json_schema": schema}
        return body

    async def complete(
        self, request: ChatRequest, read: Reader | None = None
    ) -> CallResult[ChatReply]:
        body = self.body(request)

        async def send(attempt: Attempt) -> Any:
            raw = await self._client.chat.completions.with_raw_response.create(
                **body, timeout=self.timeout_s
            )
            attempt.headers = raw.headers
            completion = raw.parse()
            attempt.usage = usage_of(completion)[0]
            return completion

        def read_reply(completion: Any) -> ChatReply:
            reply = _reply(completion)
            if read is not None:
                read(reply)
            return reply

        result = await self._caller.call(send, classify, read_reply)
        if isinstance(result.value, ChatReply):
            result.value = result.value.model_copy(update={"usage": result.usage})
        return result


def _messages(message: ChatMessage) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"role": "tool", "tool_call_id": r.call_id, "content": r.output}
        for r in message.tool_results
    ]
    if message.role == "assistant":
        turn: dict[str, Any] = {"role": "assistant", "content": message.text or None}
        if message.tool_calls:
            turn["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": json.dumps(c.input or {})}}
                for c in message.tool_calls
            ]  # fmt: skip
        out.append(turn)
    elif message.text:
        out.append({"role": "user", "content": message.text})
    return out


def _reply(completion: Any) -> ChatReply:
    choices = getattr(completion, "choices", None) or []
    if not choices:
        raise MalformedReply("the completion holds no choice")
    choice = choices[0]
    message = choice.message
    if getattr(message, "refusal", None):
        return ChatReply(text=str(message.refusal), stop="refusal")
    calls = tuple(
        ToolCall(id=c.id, name=c.function.name, input=_arguments(c.function.arguments))
        for c in getattr(message, "tool_calls", None) or []
    )
    text = message.content or ""
    stop = _STOPS.get(str(choice.finish_reason), str(choice.finish_reason))
    if not text and not calls and stop != "max_tokens":
        raise MalformedReply("the reply holds neither text nor a tool call")
    return ChatReply(text=text, tool_calls=calls, stop=stop, usage=usage_of(completion)[0])


def _arguments(text: str | None) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError as exc:
        raise MalformedReply(f"tool call arguments are not JSON: {exc}") from None
