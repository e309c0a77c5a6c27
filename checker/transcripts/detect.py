"""Guessing the format of a transcript file from its name and first bytes.

Two levels are told apart: the *container* (a JSON document, JSON lines, CSV,
plain text or a zipped Inspect log) and, inside JSON containers, the *record
kind* of each record (Anthropic request, OpenAI chat, Inspect log, a tabular
row, or our own normalised transcript).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

ZIP_MAGIC = b"PK\x03\x04"
HEAD_BYTES = 1 << 16
"""How many leading bytes detection may look at."""


class TranscriptFormat(StrEnum):
    """A source format; pass one as ``format=`` (or ``--input-format``) to skip detection."""

    ANTHROPIC = "anthropic"
    """Anthropic Messages API requests: ``{system, messages}`` with content blocks."""
    OPENAI = "openai"
    """OpenAI chat messages (``tool_calls``, ``tool`` role), one conversation per record."""
    INSPECT = "inspect"
    """Inspect AI evaluation logs, ``.json`` or zipped ``.eval``."""
    TEXT = "text"
    """Plain ``Human:``/``Assistant:`` or Markdown ``User:``/``Assistant:`` text."""
    TABULAR = "tabular"
    """CSV or JSON(L) rows with prompt/response columns (see ``mapping``)."""
    NATIVE = "native"
    """Our own normalised transcripts, as written by ``transcripts show --format json``."""


class Container(StrEnum):
    ZIP = "zip"
    CSV = "csv"
    TSV = "tsv"
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"


_TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
KNOWN_SUFFIXES = _TEXT_SUFFIXES | _JSONL_SUFFIXES | {".json", ".eval", ".csv", ".tsv"}
"""Files of these kinds are picked up when a directory is given."""


def detect_container(name: str, head: bytes, format: TranscriptFormat | None = None) -> Container:
    """The container of a file, from its suffix and first bytes (``head``)."""
    suffix = _suffix(name)
    if head.startswith(ZIP_MAGIC) or suffix == ".eval":
        return Container.ZIP
    if format is TranscriptFormat.TEXT:
        return Container.TEXT
    if suffix == ".csv":
        return Container.CSV
    if suffix == ".tsv":
        return Container.TSV
    if suffix in _JSONL_SUFFIXES:
        return Container.JSONL
    if suffix in _TEXT_SUFFIXES:
        return Container.TEXT
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return Container.JSONL if _looks_like_json_lines(stripped) else Container.JSON
    if format is TranscriptFormat.TABULAR:
        return Container.CSV
    return Container.TEXT


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.replace("\\", "/").rfind("/") else ""


def _looks_like_json_lines(head: bytes) -> bool:
    """True when the first line is a whole JSON value and another value follows on a new line."""
    first, newline, rest = head.partition(b"\n")
    if not newline or not rest.strip():
        return False
    try:
        json.loads(first)
    except (ValueError, RecursionError):
        return False
    return rest.lstrip(b" \t\r\n")[:1] in (b"{", b"[")


def is_inspect_log(document: Any) -> bool:
    """An Inspect log is an object with an ``eval`` spec (and usually ``samples``)."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("eval"), dict)
        and ("samples" in document or "version" in document or "status" in document)
    )


_ANTHROPIC_BLOCKS = {
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
    "document",
    "server_tool_use",
    "web_search_tool_result",
}
_OPENAI_PARTS = {"image_url", "input_audio", "refusal", "file"}


def detect_record(record: Any) -> TranscriptFormat | None:
    """The kind of one JSON record, or None when it is no chat transcript we know."""
    if isinstance(record, list):
        starts_as_chat = bool(record) and isinstance(record[0], dict) and "role" in record[0]
        return _chat_flavour(record) if starts_as_chat else None
    if not isinstance(record, dict):
        return None
    if "custom_id" in record and isinstance(record.get("params"), dict):
        return TranscriptFormat.ANTHROPIC
    messages = record.get("messages")
    if not isinstance(messages, list):
        return None
    if messages and all(isinstance(m, dict) and "parts" in m for m in messages):
        return TranscriptFormat.NATIVE
    if "system" in record:
        return TranscriptFormat.ANTHROPIC
    return _chat_flavour(messages)


def _chat_flavour(messages: list[Any]) -> TranscriptFormat:
    """Anthropic when a content block or role only it uses appears; OpenAI otherwise."""
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("role") in ("system", "developer", "tool", "function"):
            return TranscriptFormat.OPENAI
        if "tool_calls" in message or "function_call" in message:
            return TranscriptFormat.OPENAI
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                kind = block.get("type") if isinstance(block, dict) else None
                if not isinstance(kind, str):
                    continue
                if kind in _ANTHROPIC_BLOCKS or (kind == "image" and "source" in block):
                    return TranscriptFormat.ANTHROPIC
                if kind in _OPENAI_PARTS:
                    return TranscriptFormat.OPENAI
    return TranscriptFormat.OPENAI
