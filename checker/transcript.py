"""The normalised transcript: one model for every source format."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class TextPart(_Frozen):
    type: Literal["text"] = "text"
    text: str


class ToolCallPart(_Frozen):
    type: Literal["tool_call"] = "tool_call"
    id: str | None = None
    name: str
    input: Any = None


class ToolResultPart(_Frozen):
    type: Literal["tool_result"] = "tool_result"
    call_id: str | None = None
    output: str = ""
    error: str | None = None


class ReasoningPart(_Frozen):
    type: Literal["reasoning"] = "reasoning"
    text: str
    redacted: bool = False


class ImagePart(_Frozen):
    """An image kept as a placeholder (its bytes are not judged)."""

    type: Literal["image"] = "image"
    media_type: str | None = None
    description: str | None = None


Part = Annotated[
    TextPart | ToolCallPart | ToolResultPart | ReasoningPart | ImagePart,
    Field(discriminator="type"),
]


class Message(_Frozen):
    role: Role
    parts: tuple[Part, ...] = ()
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message's visible text parts joined (tool calls and reasoning excluded)."""
        return "\n".join(p.text for p in self.parts if isinstance(p, TextPart))


class Transcript(_Frozen):
    """An ordered conversation with a stable id and the metadata its source carried."""

    id: str
    messages: tuple[Message, ...]
    metadata: dict[str, Any] = Field(default_factory=dict)

    def content_hash(self) -> str:
        """sha256 of the messages only (id and metadata excluded): the judgment cache key."""
        payload = [m.model_dump(mode="json", exclude={"metadata"}) for m in self.messages]
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
