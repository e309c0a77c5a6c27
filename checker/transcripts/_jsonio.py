"""Reading JSON: a streaming JSON-lines reader and a JSON document reader with line numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from checker.transcripts._common import RecordError

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


class JsonRecord:
    """One parsed record and the 1-based line it starts on."""

    __slots__ = ("index", "line", "value")

    def __init__(self, value: Any, line: int, index: int) -> None:
        self.value = value
        self.line = line
        self.index = index


class JsonLineError(Exception):
    """A line or document that is not valid JSON."""

    def __init__(self, line: int, error: RecordError) -> None:
        self.line = line
        self.error = error
        super().__init__(str(error))


def iter_json_lines(stream: IO[bytes]) -> Iterator[JsonRecord | JsonLineError]:
    """Each non-blank line of ``stream`` parsed as JSON, one line in memory at a time."""
    index = 0
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except UnicodeDecodeError:
            yield JsonLineError(number, RecordError("UTF-8 text"))
            continue
        except (ValueError, RecursionError) as exc:
            yield JsonLineError(number, RecordError(f"a JSON value per line ({_reason(exc)})"))
            continue
        yield JsonRecord(value, number, index)
        index += 1


def iter_json_document(text: str) -> Iterator[JsonRecord | JsonLineError]:
    """The records of one JSON document: the elements of a top-level array, else the value.

    Array elements are parsed one by one so that each knows the line it starts on.
    A document that fails to parse stops the iteration after one error.
    """
    position = _skip(text, 0)
    if position < len(text) and text[position] != "[":
        try:
            value, end = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError) as exc:
            yield JsonLineError(_line_of(text, exc), RecordError(f"JSON ({_reason(exc)})"))
            return
        if _skip(text, end) != len(text):
            yield JsonLineError(
                text.count("\n", 0, end) + 1, RecordError("one JSON value (or use JSON lines)")
            )
            return
        yield JsonRecord(value, text.count("\n", 0, position) + 1, 0)
        return
    yield from _array_elements(text, position)


def _array_elements(text: str, position: int) -> Iterator[JsonRecord | JsonLineError]:
    if position >= len(text):
        yield JsonLineError(1, RecordError("JSON", "", "an empty file"))
        return
    line = text.count("\n", 0, position) + 1
    counted = position
    position = _skip(text, position + 1)
    index = 0
    if text.startswith("]", position):
        error = _check_end(text, position + 1)
        if error is not None:
            yield error
        return
    while True:
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, position = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError) as exc:
            yield JsonLineError(_line_of(text, exc, line), RecordError(f"JSON ({_reason(exc)})"))
            return
        yield JsonRecord(value, line, index)
        index += 1
        position = _skip(text, position)
        if text.startswith("]", position):
            error = _check_end(text, position + 1)
            if error is not None:
                yield error
            return
        if not text.startswith(",", position):
            line += text.count("\n", counted, position)
            yield JsonLineError(line, RecordError("',' or ']' after an array element"))
            return
        position = _skip(text, position + 1)


def _check_end(text: str, position: int) -> JsonLineError | None:
    if _skip(text, position) != len(text):
        return JsonLineError(
            text.count("\n", 0, position) + 1, RecordError("the end of the file after the array")
        )
    return None


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _line_of(text: str, exc: BaseException, default: int = 1) -> int:
    return exc.lineno if isinstance(exc, json.JSONDecodeError) else default


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)
