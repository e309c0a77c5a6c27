"""Structured output on OpenAI-compatible servers: the modes, in the order tried.

Servers differ in how they constrain a reply to a JSON schema, and in how they
refuse what they do not support (``../shared/SERVERS.md`` has measurements):

1. ``json_schema``: ``response_format`` with a strict JSON schema (OpenAI, vLLM,
   Ollama, LM Studio); llama.cpp's server answers it with HTTP **500**;
2. ``json_object_schema``: ``json_object`` with a ``schema`` beside it, llama.cpp's
   extension, which constrains the output to the schema;
3. ``tool``: a forced call of one named function whose parameters are the schema;
4. ``json_object``: JSON mode, any JSON; the schema is in the instructions and the
   reply is validated with pydantic;
5. ``prompt``: no server feature at all; the schema is in the instructions and
   the first JSON object of the reply is validated.

A mode the server rejects as unsupported (:func:`rejects_mode`: a 400/422 naming the
feature, or a 500 whose body says so) moves every request to the next mode; the
first mode a server answers is kept for the rest of the run (:class:`ModeChooser`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

MODES = ("json_schema", "json_object_schema", "tool", "json_object", "prompt")
TOOL_NAME = "record_verdict"
_SCHEMA_IN_PROMPT = ("json_object", "prompt")
_FEATURE_WORDS = re.compile(
    r"response_format|json_schema|json_object|\bschema\b|tool_choice|\btools?\b|function"
    r"|not supported|unsupported|unrecognized|not permitted|Input should be",
    re.IGNORECASE,
)
_SERVER_ERROR_WORDS = re.compile(
    r"response_format|json_schema|tool_choice|Input should be|not supported|unsupported",
    re.IGNORECASE,
)
_MALFORMED_BEFORE_GIVING_UP = 3
"""Accepted but never followed: replies in a new mode that miss the schema before the
next mode is tried."""


def rejects_mode(status: int, message: str) -> bool:
    """True when an error reply says the server does not support the requested mode."""
    if status in (400, 415, 422, 501):
        return bool(_FEATURE_WORDS.search(message))
    if status == 500:  # llama.cpp's answer to json_schema: a validation error, as a 500
        return bool(_SERVER_ERROR_WORDS.search(message))
    return False


def schema_instructions(schema: dict[str, Any]) -> str:
    """The reply format spelled out, for the modes where the server does not enforce it."""
    return (
        "\n\nAnswer with a single JSON object and nothing else (no prose, no code fence). "
        "It must match this JSON schema:\n" + json.dumps(schema, separators=(",", ":"))
    )


def format_fields(mode: str, schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The request fields that ask for ``mode``'s structured output."""
    if mode == "json_schema":
        spec = {"name": name, "schema": schema, "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": spec}}
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if mode == "tool":
        function = {
            "name": TOOL_NAME,
            "description": "Record the verdict(s) on the transcript.",
            "parameters": schema,
            "strict": True,
        }
        return {
            "tools": [{"type": "function", "function": function}],
            "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
        }
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def schema_in_prompt(mode: str) -> bool:
    return mode in _SCHEMA_IN_PROMPT


class ModeChooser:
    """The mode requests use now; moves on when the server rejects one (shared by a run).

    Many requests may be in flight when the first rejection comes back: each one that
    is rejected in a mode already left behind just retries in the current one.
    """

    def __init__(self, modes: Sequence[str] = MODES) -> None:
        unknown = [m for m in modes if m not in MODES]
        if unknown or not modes:
            raise ValueError(f"unknown structured-output mode(s) {unknown}; expected {MODES}")
        self.modes = tuple(modes)
        self._index = 0
        self.confirmed = False
        self.rejected: dict[str, str] = {}
        """Mode -> why the server refused it (or why it was given up)."""
        self._misses = 0

    @property
    def current(self) -> str:
        return self.modes[self._index]

    def rejected_by_server(self, mode: str, reason: str) -> bool:
        """Note a rejection of ``mode``; True when the request should be sent again."""
        if mode != self.current:
            return True  # another request moved on already
        if self.confirmed or self._index + 1 >= len(self.modes):
            return False
        self._advance(mode, reason)
        return True

    def answered(self, mode: str, *, followed: bool) -> None:
        """A 200 in ``mode``; ``followed`` when its reply matched the schema."""
        if mode != self.current or self.confirmed:
            return
        if followed:
            self.confirmed = True
            return
        self._misses += 1
        if self._misses >= _MALFORMED_BEFORE_GIVING_UP and self._index + 1 < len(self.modes):
            reason = f"{self._misses} replies in a row did not match the schema"
            self._advance(mode, reason)

    def _advance(self, mode: str, reason: str) -> None:
        self.rejected[mode] = reason
        self._index += 1
        self._misses = 0
