"""What a model that talks is asked and answers, whatever its provider.

A :class:`ChatRequest` is a system prompt, alternating user and assistant turns
(text, the assistant's tool calls, the tool results the user side sends back),
the tools the model may call, and optionally a JSON schema the reply must follow.
A :class:`ChatClient` sends one through the judges' shared call loop
(:class:`checker.judges.llm.ModelCaller`: pacing, retries, usage and cost) and
returns a :class:`checker.judges.llm.CallResult` holding a :class:`ChatReply`, or
the error that ended the call: a client never raises for a failed reply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from checker.judges.llm import CallResult, JudgeStats
from checker.verdict import Usage


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolSpec(_Frozen):
    """A tool the model may call (its results are written by someone else)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})


class ToolCall(_Frozen):
    id: str
    name: str
    input: Any = None


class ToolResult(_Frozen):
    call_id: str
    output: str


class ChatMessage(_Frozen):
    """One turn: a user turn holds text and/or tool results; an assistant turn text
    and/or tool calls."""

    role: Literal["user", "assistant"]
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()


class ChatRequest(_Frozen):
    system: str
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 1024
    json_schema: dict[str, Any] | None = None
    """When set, the reply's text must be JSON following this schema."""


class ChatReply(_Frozen):
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    stop: str = "end_turn"
    """Why the model stopped: ``end_turn``, ``tool_use``, ``max_tokens``, ``refusal``."""
    usage: Usage = Field(default_factory=Usage)


Reader = Callable[[ChatReply], Any]
"""Checks a reply (raising :class:`checker.judges.llm.MalformedReply` to retry it)."""


class ChatClient(Protocol):
    """A model that talks. ``provider``, ``server`` and ``model`` are cache key parts."""

    provider: str
    model: str
    server: str

    @property
    def stats(self) -> JudgeStats: ...

    async def complete(
        self, request: ChatRequest, read: Reader | None = None
    ) -> CallResult[ChatReply]: ...

    async def aclose(self) -> None: ...


def request_key(client: ChatClient, request: ChatRequest, *parts: Any) -> str:
    """A content address for one call: who answers, what is asked, and ``parts``
    (the caller's version, the audit role, the sample and the seed)."""
    payload = {
        "provider": client.provider,
        "server": client.server,
        "model": client.model,
        "request": request.model_dump(mode="json"),
        "parts": list(parts),
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
