"""Writing transcripts out: native JSONL, or an Inspect AI ``.json`` evaluation log.

The native form is what ``transcripts show --format json`` and the store hold
(one transcript per line), read back with ``--input-format native``. The Inspect
log has one sample per transcript (its messages in Inspect's chat format, the
transcript's metadata as the sample's) and reads back through our Inspect reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from checker.transcript import (
    ImagePart,
    Message,
    ReasoningPart,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)

EXPORT_FORMATS = ("jsonl", "inspect")


def native_jsonl(transcripts: Iterable[Transcript]) -> Iterator[str]:
    """One native transcript per line (each line ends with a newline)."""
    for transcript in transcripts:
        yield transcript.model_dump_json() + "\n"


def inspect_log(
    transcripts: Iterable[Transcript], *, task: str = "constitution", model: str = "unknown"
) -> dict[str, Any]:
    """An Inspect evaluation log (``.json``) holding one sample per transcript."""
    samples = []
    for transcript in transcripts:
        messages = [m for message in transcript.messages for m in _inspect_messages(message)]
        first_user = next((m.text for m in transcript.messages if m.role is Role.USER), "")
        samples.append(
            {
                "id": transcript.id,
                "epoch": 1,
                "input": first_user,
                "messages": messages,
                "metadata": transcript.metadata,
            }
        )
    return {
        "version": 2,
        "status": "success",
        "eval": {"task": task, "model": model, "config": {"epochs": 1}},
        "samples": samples,
    }


def inspect_log_text(transcripts: Iterable[Transcript], **fields: str) -> str:
    return json.dumps(inspect_log(transcripts, **fields), indent=1, ensure_ascii=False) + "\n"


def _inspect_messages(message: Message) -> list[dict[str, Any]]:
    if message.role is Role.TOOL:
        results = [p for p in message.parts if isinstance(p, ToolResultPart)]
        return [_tool_message(r) for r in results] or [{"role": "tool", "content": message.text}]
    content: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            content.append({"type": "text", "text": part.text})
        elif isinstance(part, ReasoningPart):
            content.append({"type": "reasoning", "reasoning": part.text, "redacted": part.redacted})
        elif isinstance(part, ToolCallPart):
            calls.append({"id": part.id, "function": part.name, "arguments": part.input or {}})
        elif isinstance(part, ImagePart):
            content.append({"type": "text", "text": f"[image: {part.description or 'omitted'}]"})
    out: dict[str, Any] = {"role": message.role.value, "content": content}
    if calls:
        out["tool_calls"] = calls
    return [out]


def _tool_message(result: ToolResultPart) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "tool", "content": result.output}
    if result.call_id is not None:
        out["tool_call_id"] = result.call_id
    if result.error is not None:
        out["error"] = {"type": "unknown", "message": result.error}
    return out
