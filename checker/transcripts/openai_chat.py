"""OpenAI chat conversations: ``{"messages": [...]}`` or a bare list of messages.

Roles ``system``/``developer``, ``user``, ``assistant``, ``tool`` (and the legacy
``function``). Assistant ``tool_calls`` (and legacy ``function_call``) become tool
calls whose JSON ``arguments`` are parsed when they are valid JSON; tool messages
become tool results. Content may be a string, null or a list of parts (``text``,
``image_url`` as a placeholder, ``refusal``); other part types are kept verbatim
in the message's ``other_content``. ``reasoning_content`` becomes reasoning.
"""

from __future__ import annotations

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
    optional_str,
    parse_arguments,
    source_id,
)

_ROLES = {
    "system": Role.SYSTEM,
    "developer": Role.SYSTEM,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
    "tool": Role.TOOL,
    "function": Role.TOOL,
}
_KNOWN_KEYS = {
    "role",
    "content",
    "tool_calls",
    "function_call",
    "tool_call_id",
    "refusal",
    "reasoning_content",
}


def openai_transcript(record: Any, metadata: dict[str, Any]) -> Transcript:
    """One conversation as a transcript; raises RecordError when it is none."""
    fields: dict[str, Any] = {}
    given_id = None
    if isinstance(record, list):
        raw_messages = record
        prefix = ""
    else:
        record = expect_dict(record, 'an object with "messages" or a list of messages')
        raw_messages = expect_list(record.get("messages"), "a list of messages", "messages")
        given_id = source_id(record.get("id"))
        fields = {k: v for k, v in record.items() if k not in ("messages", "id", "model")}
        prefix = "messages"
    messages = [_message(raw, f"{prefix}[{i}]") for i, raw in enumerate(raw_messages)]
    model = record.get("model") if isinstance(record, dict) else None
    meta = {**metadata, "format": "openai"}
    if model is not None:
        meta["model"] = model
    if fields:
        meta["fields"] = fields
    return build_transcript(messages, meta, given_id)


def _message(raw: Any, path: str) -> Message:
    raw = expect_dict(raw, "a message object", path)
    role_name = raw.get("role")
    role = _ROLES.get(role_name) if isinstance(role_name, str) else None
    if role is None:
        raise RecordError(
            "a role (system, developer, user, assistant, tool)", f"{path}.role", role_name
        )
    metadata: dict[str, Any] = {k: v for k, v in raw.items() if k not in _KNOWN_KEYS}
    if role_name in ("developer", "function"):
        metadata["original_role"] = role_name
    parts: list[Part] = []
    reasoning = optional_str(raw.get("reasoning_content"), "a string", f"{path}.reasoning_content")
    if reasoning:
        parts.append(ReasoningPart(text=reasoning))
    content_parts, other = _content(raw.get("content"), f"{path}.content")
    if other:
        metadata["other_content"] = other
    if role is Role.TOOL:
        call_id = optional_str(raw.get("tool_call_id"), "a string", f"{path}.tool_call_id")
        text = "\n".join(p.text for p in content_parts if isinstance(p, TextPart))
        parts.append(ToolResultPart(call_id=call_id, output=text))
        parts.extend(p for p in content_parts if not isinstance(p, TextPart))
    else:
        parts.extend(content_parts)
    refusal = optional_str(raw.get("refusal"), "a string", f"{path}.refusal")
    if refusal:
        parts.append(TextPart(text=refusal))
        metadata["refusal"] = True
    parts.extend(_tool_calls(raw, path))
    return Message(role=role, parts=tuple(parts), metadata=metadata)


def _content(content: Any, path: str) -> tuple[list[Part], list[Any]]:
    if content is None:
        return [], []
    if isinstance(content, str):
        return ([TextPart(text=content)] if content else []), []
    items = expect_list(content, "a string, null or a list of content parts", path)
    parts: list[Part] = []
    other: list[Any] = []
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        item = expect_dict(item, 'a content part with a "type"', item_path)
        kind = item.get("type")
        if kind in ("text", "input_text", "output_text"):
            parts.append(
                TextPart(text=expect_str(item.get("text"), "a string", f"{item_path}.text"))
            )
        elif kind == "refusal":
            parts.append(
                TextPart(text=expect_str(item.get("refusal"), "a string", f"{item_path}.refusal"))
            )
        elif kind == "image_url":
            parts.append(_image(item.get("image_url"), f"{item_path}.image_url"))
        elif isinstance(kind, str):
            other.append(item)
        else:
            raise RecordError('a content part "type" string', f"{item_path}.type", kind)
    return parts, other


def _image(value: Any, path: str) -> ImagePart:
    url = value.get("url") if isinstance(value, dict) else value
    url = expect_str(url, "an image url", path)
    if url.startswith("data:"):
        media_type = url[5:].split(";", 1)[0].split(",", 1)[0] or None
        return ImagePart(media_type=media_type)
    return ImagePart(description=url)


def _tool_calls(raw: dict[str, Any], path: str) -> list[ToolCallPart]:
    calls: list[ToolCallPart] = []
    if raw.get("tool_calls") is not None:
        items = expect_list(raw["tool_calls"], "a list of tool calls", f"{path}.tool_calls")
        for i, item in enumerate(items):
            item_path = f"{path}.tool_calls[{i}]"
            item = expect_dict(item, "a tool call object", item_path)
            function = expect_dict(
                item.get("function"), 'an object with "name"', f"{item_path}.function"
            )
            call_id = optional_str(item.get("id"), "a string", f"{item_path}.id")
            calls.append(_call(call_id, function, f"{item_path}.function"))
    if raw.get("function_call") is not None:
        function = expect_dict(
            raw["function_call"], 'an object with "name"', f"{path}.function_call"
        )
        calls.append(_call(None, function, f"{path}.function_call"))
    return calls


def _call(call_id: str | None, function: dict[str, Any], path: str) -> ToolCallPart:
    name = expect_str(function.get("name"), "a function name", f"{path}.name")
    arguments = parse_arguments(function.get("arguments"), f"{path}.arguments")
    return ToolCallPart(id=call_id, name=name, input=arguments)
