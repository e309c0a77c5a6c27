"""Shared helpers of the importers: record errors, type checks, ids."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from checker.errors import TranscriptError
from checker.transcript import Message, Transcript

HASH_ID_LENGTH = 16
"""Hex digits of :meth:`Transcript.content_hash` used as the id of a source without ids."""
MAX_NESTING = 100
"""Deepest nesting of objects and arrays accepted in a record (tool-call arguments...)."""


class RecordError(Exception):
    """One record is not a transcript; the caller adds the file and line.

    The text always reads ``expected <what>[ at <path>][, found <value>]``.
    """

    def __init__(self, expected: str, path: str = "", found: object = ...) -> None:
        self.expected = expected
        self.path = path
        self.found = found
        text = f"expected {expected}"
        if path:
            text += f" at {path}"
        if found is not ...:
            text += f", found {describe(found)}"
        super().__init__(text)

    def under(self, prefix: str, sep: str = ".") -> RecordError:
        """The same error with its path placed under ``prefix`` (``samples[2]``, ...)."""
        if not self.path:
            path = prefix
        elif self.path.startswith("[") and sep == ".":
            path = prefix + self.path
        else:
            path = f"{prefix}{sep}{self.path}"
        return RecordError(self.expected, path, self.found)


def describe(value: object) -> str:
    """A short description of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(shown)
    if isinstance(value, int | float):
        return repr(value)
    return type(value).__name__


def expect_dict(value: object, what: str, path: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(what, path, value)
    return value


def expect_list(value: object, what: str, path: str = "") -> list[Any]:
    if not isinstance(value, list):
        raise RecordError(what, path, value)
    return value


def expect_str(value: object, what: str, path: str = "") -> str:
    if not isinstance(value, str):
        raise RecordError(what, path, value)
    return value


def optional_str(value: object, what: str, path: str = "") -> str | None:
    if value is None:
        return None
    return expect_str(value, what, path)


def source_id(value: object, path: str = "id") -> str | None:
    """An id given by the source (string or integer), or None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError("a string or integer id", path, value)
    text = str(value)
    if not text:
        raise RecordError("a non-empty id", path, value)
    return text


def build_transcript(
    messages: list[Message],
    metadata: dict[str, Any],
    given_id: str | None,
    *,
    allow_empty: bool = False,
) -> Transcript:
    """A transcript with the source's id, or a content-hash prefix when it has none."""
    if not messages and not allow_empty:
        raise RecordError("at least one message", "messages")
    draft = Transcript(id=given_id or "-", messages=tuple(messages), metadata=metadata)
    if given_id:
        return draft
    return draft.model_copy(update={"id": draft.content_hash()[:HASH_ID_LENGTH]})


def text_of_blocks(value: object, path: str) -> str:
    """Text of a string or of a list of ``{"type": "text", "text": ...}`` blocks."""
    if isinstance(value, str):
        return value
    blocks = expect_list(value, "a string or a list of text blocks", path)
    texts = []
    for i, block in enumerate(blocks):
        block = expect_dict(block, "a text block", f"{path}[{i}]")
        texts.append(expect_str(block.get("text"), "a string", f"{path}[{i}].text"))
    return "\n".join(texts)


def not_a_transcript(file: str, line: int | None, error: RecordError | str) -> TranscriptError:
    """``file:line: not a transcript: expected ...``."""
    return TranscriptError(file, line, f"not a transcript: {error}")


def unreadable(exc: BaseException) -> str:
    """The reason a record could not be converted, for an unexpected error (one line)."""
    detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
    return (
        f"expected a readable record ({detail.splitlines()[0] if detail else type(exc).__name__})"
    )


def parse_arguments(arguments: object, path: str = "arguments") -> object:
    """Tool-call arguments sent as a JSON string, parsed; kept as written when not JSON.

    Arguments nested deeper than :data:`MAX_NESTING` make the record invalid.
    """
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except ValueError:
            return arguments  # the model may have sent invalid JSON: keep what it wrote
        except RecursionError:
            raise RecordError(f"values nested at most {MAX_NESTING} deep", path) from None
        check_nesting(parsed, path)
        return parsed
    return arguments


def check_nesting(value: object, path: str = "") -> None:
    """Raise :class:`RecordError` when objects and arrays nest deeper than :data:`MAX_NESTING`.

    Iterative, so that it is safe on any depth; the error names the path where the
    limit is crossed.
    """
    stack: list[tuple[object, int, str]] = [(value, 0, path)]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, dict):
            children: Iterable[tuple[str, object]] = (
                (f"{where}.{k}" if where else str(k), v) for k, v in node.items()
            )
        elif isinstance(node, list):
            children = ((f"{where}[{i}]", v) for i, v in enumerate(node))
        else:
            continue
        if depth >= MAX_NESTING:
            shown = where if len(where) <= 80 else where[:77] + "..."
            raise RecordError(f"values nested at most {MAX_NESTING} deep", shown)
        stack.extend(
            (child, depth + 1, child_path)
            for child_path, child in children
            if isinstance(child, dict | list)
        )
