"""Datasets of prompt/response rows: CSV files, or JSON(L) objects, mapped to transcripts.

A :class:`ColumnMapping` names the columns: ``prompt`` (required), ``response``,
``id`` and ``system`` (optional). Parse it from ``prompt=COL,response=COL,id=COL``
with :func:`parse_mapping`. Without one, the first present of the usual names is
used (``prompt``/``input``/``question``; ``response``/``completion``/``output``/
``answer``; ``id``). Every other column is kept, as written, in the transcript's
``columns`` metadata: labels such as XSTest's ``type`` and ``final_label`` live there.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from checker.errors import TranscriptError
from checker.transcript import Message, Role, TextPart, Transcript
from checker.transcripts._common import RecordError, build_transcript, not_a_transcript
from checker.transcripts._decode import DecodeError

_ROLES = ("prompt", "response", "id", "system")
_DEFAULTS = {
    "prompt": ("prompt", "input", "question", "instruction"),
    "response": ("response", "completion", "output", "answer"),
    "id": ("id",),
    "system": ("system",),
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long completions exceed the 128 KiB default


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds each part of a transcript."""

    prompt: str
    response: str | None = None
    id: str | None = None
    system: str | None = None

    @property
    def mapped(self) -> set[str]:
        return {c for c in (self.prompt, self.response, self.id, self.system) if c}


def parse_mapping(text: str) -> dict[str, str]:
    """``prompt=COL,response=COL,id=COL`` as a dict; raises ValueError on a bad spec."""
    mapping: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, sep, column = item.partition("=")
        key, column = key.strip(), column.strip()
        if not sep or not column:
            raise ValueError(f"bad mapping {item!r}: expected KEY=COLUMN")
        if key not in _ROLES:
            raise ValueError(f"bad mapping key {key!r}: expected one of {', '.join(_ROLES)}")
        mapping[key] = column
    return mapping


def resolve_mapping(
    columns: Iterator[str] | list[str], given: Mapping[str, str] | None
) -> ColumnMapping:
    """The mapping for a table with ``columns``: the given one, else the usual names."""
    present = list(columns)
    chosen: dict[str, str | None] = {}
    for role in _ROLES:
        if given and role in given:
            if given[role] not in present:
                raise RecordError(
                    f"a column {given[role]!r} for {role} (columns: {', '.join(present) or 'none'})"
                )
            chosen[role] = given[role]
        elif given and "prompt" in given:
            chosen[role] = None  # an explicit mapping names every column it wants
        else:
            chosen[role] = next((c for c in _DEFAULTS[role] if c in present), None)
    prompt = chosen.pop("prompt")
    if prompt is None:
        raise RecordError(
            f"a prompt column (map one with prompt=COL; columns: {', '.join(present) or 'none'})"
        )
    return ColumnMapping(prompt=prompt, **chosen)


def row_transcript(
    row: Mapping[str, Any], mapping: ColumnMapping, metadata: dict[str, Any]
) -> Transcript:
    """One row as a transcript: optional system, the prompt, the optional response."""
    messages = []
    if mapping.system and _cell(row, mapping.system, required=False):
        messages.append(_message(Role.SYSTEM, _cell(row, mapping.system)))
    messages.append(_message(Role.USER, _cell(row, mapping.prompt)))
    if mapping.response is not None:
        messages.append(_message(Role.ASSISTANT, _cell(row, mapping.response)))
    given_id = _cell(row, mapping.id) if mapping.id else None
    columns = {k: v for k, v in row.items() if k not in mapping.mapped}
    meta = {**metadata, "format": "tabular", "columns": columns}
    return build_transcript(messages, meta, given_id or None)


def _cell(row: Mapping[str, Any], column: str, required: bool = True) -> str:
    value = row.get(column)
    if value is None:
        if not required:
            return ""
        raise RecordError(f"a value in column {column!r}", "", None)
    if isinstance(value, dict | list):
        raise RecordError(f"text in column {column!r}", "", value)
    return value if isinstance(value, str) else str(value)


def _message(role: Role, text: str) -> Message:
    return Message(role=role, parts=(TextPart(text=text),))


def csv_transcripts(
    lines: Iterable[str], name: str, given: Mapping[str, str] | None, delimiter: str = ","
) -> Iterator[Transcript | TranscriptError]:
    """Rows of a CSV (or TSV) file, streamed; each error names the row's first line (a
    byte that does not decode, its own line)."""
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise RecordError("a header row naming the columns", "", "an empty file")
        mapping = resolve_mapping(header, given)
    except RecordError as exc:
        yield not_a_transcript(name, 1, exc)
        return
    except DecodeError as exc:
        yield TranscriptError(name, exc.line, str(exc))
        return
    except csv.Error as exc:
        yield not_a_transcript(name, 1, f"expected CSV text: {exc}")
        return
    index = 0
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except DecodeError as exc:
            yield TranscriptError(name, exc.line, str(exc))
            return
        except csv.Error as exc:
            yield not_a_transcript(name, start, f"expected CSV text: {exc}")
            return
        if not any(cells):
            continue
        if len(cells) != len(header):
            yield not_a_transcript(
                name, start, RecordError(f"{len(header)} fields as in the header", "", len(cells))
            )
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            yield row_transcript(row, mapping, {"source": name, "line": start, "index": index})
        except RecordError as exc:
            yield not_a_transcript(name, start, exc)
        index += 1
