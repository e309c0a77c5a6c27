"""Anthropic Messages API requests: ``{model, system, messages, ...}``.

Also accepted: a Message Batches line ``{"custom_id": ..., "params": {...}}``
(the custom id becomes the transcript id). Content blocks map to parts:
``text``, ``image`` (a placeholder), ``tool_use``, ``tool_result``, ``thinking``
and ``redacted_thinking``; server tools (``server_tool_use`` and their
``*_tool_result``) become tool calls and results. A user message holding only
tool results becomes a ``tool`` message (its original role is kept in metadata).
Blocks of other types are kept verbatim in the message's ``other_content``.
"""

from __future__ import annotations

import json
from typing import Any

from checker.transcript import (
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.transcripts._common import (
    RecordError,
    build_transcript,
    expect_dict,
    expect_list,
    expect_str,
    source_id,
    text_of_blocks,
)

_ROLES = {"user": Role.USER, "assistant": Role.ASSISTANT}


def anthropic_transcript(record: Any, metadata: dict[str, Any]) -> Transcript:
    """One request (or batch line) as a transcript; raises RecordError when it is none."""
    if isinstance(record, list):
        record = {"messages": record}
    record = expect_dict(record, 'an object with "messages" or a list of messages')
    given_id = None
    if "custom_id" in record:
        given_id = source_id(record["custom_id"], "custom_id")
        record = expect_dict(record.get("params"), "an object", "params")
    else:
        given_id = source_id(record.get("id"))
    raw_messages = expect_list(record.get("messages"), "a list of messages", "messages")
    messages: list[Message] = []
    if record.get("system") is not None:
        system = text_of_blocks(record["system"], "system")
        messages.append(Message(role=Role.SYSTEM, parts=(TextPart(text=system),)))
    for i, raw in enumerate(raw_messages):
        messages.append(_message(raw, f"messages[{i}]"))
    fields = {k: v for k, v in record.items() if k not in ("messages", "system", "model", "id")}
    meta = {**metadata, "format": "anthropic"}
    if record.get("model") is not None:
        meta["model"] = record["model"]
    if fields:
        meta["fields"] = fields
    return build_transcript(messages, meta, given_id)


def _message(raw: Any, path: str) -> Message:
    raw = expect_dict(raw, "a message object", path)
    role = _ROLES.get(raw["role"]) if isinstance(raw.get("role"), str) else None
    if role is None:
        raise RecordError('a role "user" or "assistant"', f"{path}.role", raw.get("role"))
    content = raw.get("content")
    if isinstance(content, str):
        return Message(role=role, parts=(TextPart(text=content),))
    blocks = expect_list(content, "a string or a list of content blocks", f"{path}.content")
    parts: list[Part] = []
    other: list[Any] = []
    for j, block in enumerate(blocks):
        block_path = f"{path}.content[{j}]"
        block = expect_dict(block, 'a content block with a "type"', block_path)
        part = _part(block, block_path)
        if part is None:
            other.append(block)
        else:
            parts.append(part)
    metadata: dict[str, Any] = {"other_content": other} if other else {}
    if role is Role.USER and parts and all(isinstance(p, ToolResultPart) for p in parts):
        role = Role.TOOL
        metadata["original_role"] = "user"
    return Message(role=role, parts=tuple(parts), metadata=metadata)


def _part(block: dict[str, Any], path: str) -> Part | None:
    kind = block.get("type")
    if kind == "text":
        return TextPart(text=expect_str(block.get("text"), "a string", f"{path}.text"))
    if kind == "thinking":
        text = expect_str(block.get("thinking"), "a string", f"{path}.thinking")
        return ReasoningPart(text=text)
    if kind == "redacted_thinking":
        return ReasoningPart(text="", redacted=True)
    if kind == "image":
        return _image(block, path)
    if kind in ("tool_use", "server_tool_use"):
        name = expect_str(block.get("name"), "a tool name", f"{path}.name")
        return ToolCallPart(
            id=_call_id(block.get("id"), f"{path}.id"), name=name, input=block.get("input")
        )
    if kind == "tool_result":
        return _tool_result(block, path)
    if isinstance(kind, str) and kind.endswith("_tool_result"):
        output = json.dumps(block.get("content"), ensure_ascii=False)
        return ToolResultPart(
            call_id=_call_id(block.get("tool_use_id"), f"{path}.tool_use_id"), output=output
        )
    if not isinstance(kind, str):
        raise RecordError('a content block "type" string', f"{path}.type", kind)
    return None


def _call_id(value: Any, path: str) -> str | None:
    if value is None:
        return None
    return expect_str(value, "a string id", path)


def _image(block: dict[str, Any], path: str) -> ImagePart:
    source = block.get("source")
    if source is None:
        return ImagePart()
    source = expect_dict(source, "an image source object", f"{path}.source")
    media_type = source.get("media_type")
    url = source.get("url")
    return ImagePart(
        media_type=media_type if isinstance(media_type, str) else None,
        description=url if isinstance(url, str) else None,
    )


def _tool_result(block: dict[str, Any], path: str) -> ToolResultPart:
    call_id = _call_id(block.get("tool_use_id"), f"{path}.tool_use_id")
    content = block.get("content", "")
    if isinstance(content, str):
        text = content
    else:
        pieces = []
        for k, item in enumerate(
            expect_list(content, "a string or a list of blocks", f"{path}.content")
        ):
            item = expect_dict(item, "a content block", f"{path}.content[{k}]")
            if item.get("type") == "text":
                pieces.append(expect_str(item.get("text"), "a string", f"{path}.content[{k}].text"))
            else:
                pieces.append(f"[{item.get('type', 'block')}]")
        text = "\n".join(pieces)
    if block.get("is_error") is True:
        return ToolResultPart(call_id=call_id, output="", error=text)
    return ToolResultPart(call_id=call_id, output=text)
