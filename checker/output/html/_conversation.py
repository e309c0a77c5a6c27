"""A transcript as the check report shows it: messages, parts and highlighted evidence."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from checker.output.html._highlight import Mark, Segment, Span, find_quote, segment
from checker.transcript import (
    ImagePart,
    Message,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.verdict import QuoteMatch


@dataclass(frozen=True, slots=True)
class Quote:
    """An evidence quote to highlight in one message."""

    message_index: int
    text: str
    match: QuoteMatch
    mark: Mark


@dataclass(slots=True)
class PartView:
    kind: str
    """``text``, ``reasoning``, ``tool_call``, ``tool_result`` or ``image``."""
    segments: list[Segment] = field(default_factory=list)
    label: str = ""
    """Tool name, call id, media type: shown above the body."""
    error: list[Segment] = field(default_factory=list)
    name: list[Segment] = field(default_factory=list)
    """For a tool call: its name (evidence may quote it)."""
    redacted: bool = False


@dataclass(slots=True)
class MessageView:
    index: int
    role: str
    anchor: str
    parts: list[PartView]
    principles: str = ""
    """Space-separated ids of the principles that quote this message."""


def _body(part: TextPart | ToolCallPart | ToolResultPart | ReasoningPart | ImagePart) -> str:
    if isinstance(part, TextPart | ReasoningPart):
        return part.text
    if isinstance(part, ToolCallPart):
        if part.input is None:
            return ""
        if isinstance(part.input, str):
            return part.input
        return json.dumps(part.input, ensure_ascii=False, indent=2, sort_keys=False)
    if isinstance(part, ToolResultPart):
        return part.output
    return part.description or ""


def _label(part: TextPart | ToolCallPart | ToolResultPart | ReasoningPart | ImagePart) -> str:
    if isinstance(part, ToolCallPart):
        return f"call {part.id}" if part.id else ""
    if isinstance(part, ToolResultPart):
        return f"result of call {part.call_id}" if part.call_id else "tool result"
    if isinstance(part, ImagePart):
        return part.media_type or "image"
    if isinstance(part, ReasoningPart):
        return "reasoning (redacted)" if part.redacted else "reasoning"
    return ""


def _mark_text(
    text: str, quotes: Sequence[Quote], located: set[str]
) -> tuple[list[Segment], set[str]]:
    """Segments of ``text``; quotes already located elsewhere are not marked twice."""
    marked: list[tuple[Span, Mark]] = []
    found_here: set[str] = set()
    for quote in quotes:
        if quote.mark.anchor in located or quote.mark.anchor in found_here:
            continue
        spans = find_quote(text, quote.text)
        if spans:
            found_here.add(quote.mark.anchor)
            marked.extend((span, quote.mark) for span in spans)
    return segment(text, marked), found_here


def message_view(
    message: Message, index: int, prefix: str, quotes: Sequence[Quote], located: set[str]
) -> MessageView:
    """Render one message; anchors of the quotes found are added to ``located``."""
    parts: list[PartView] = []
    for part in message.parts:
        view = PartView(kind=part.type, label=_label(part))
        if isinstance(part, ReasoningPart) and part.redacted:
            view.redacted = True
        view.segments, found = _mark_text(_body(part), quotes, located)
        located |= found
        if isinstance(part, ToolCallPart):
            # A quote may cite the tool's name rather than its input.
            view.name, found = _mark_text(part.name, quotes, located)
            located |= found
        if isinstance(part, ToolResultPart) and part.error:
            view.error, found = _mark_text(part.error, quotes, located)
            located |= found
        parts.append(view)
    principles = " ".join(dict.fromkeys(q.mark.principle_id for q in quotes))
    return MessageView(
        index=index,
        role=message.role.value,
        anchor=f"{prefix}-m{index}",
        parts=parts,
        principles=principles,
    )


def conversation(
    transcript: Transcript, prefix: str, quotes: Sequence[Quote]
) -> tuple[list[MessageView], set[str]]:
    """Every message of ``transcript`` and the anchors of the quotes that were highlighted.

    Only quotes the evidence check verified are looked for: an ``unverified`` quote
    is not in its message, and is flagged on its verdict card instead.
    """
    by_message: dict[int, list[Quote]] = {}
    for quote in quotes:
        if quote.match is not QuoteMatch.UNVERIFIED:
            by_message.setdefault(quote.message_index, []).append(quote)
    located: set[str] = set()
    messages = [
        message_view(message, i, prefix, by_message.get(i, ()), located)
        for i, message in enumerate(transcript.messages)
    ]
    return messages, located


__all__ = ["MessageView", "PartView", "Quote", "conversation", "message_view"]
