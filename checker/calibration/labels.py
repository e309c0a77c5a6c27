"""Human labels: which outcome a person gave one (transcript, principle) pair.

A labels file is JSON lines (one object per line) or CSV (a header row, then one
row per label). Fields, by name (aliases in brackets):

- ``transcript_id`` [``transcript``]: the id of a transcript in the checked set;
- ``principle_id`` [``principle``]: a principle of the constitution;
- ``label``: ``complies``, ``violates`` or ``not_applicable`` (``n/a``,
  ``not applicable`` and ``not-applicable`` are read as ``not_applicable``);
- optional ``principle_version`` [``version``] and ``principle_hash`` [``hash``]:
  the revision of the principle the label was made for (a hash may be shortened
  to its first 8 or more hex digits). See :mod:`checker.calibration.registry` for
  what happens when they are absent.

Other fields (a note, the annotator) are allowed and ignored. Every problem is a
:class:`LabelError` naming ``file:line``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import CheckerError
from constitution.model import Label

_ALIASES: dict[str, tuple[str, ...]] = {
    "transcript_id": ("transcript_id", "transcript"),
    "principle_id": ("principle_id", "principle"),
    "label": ("label",),
    "principle_version": ("principle_version", "version"),
    "principle_hash": ("principle_hash", "hash"),
}
_REQUIRED = ("transcript_id", "principle_id", "label")
_LABEL_SPELLINGS = {
    "complies": Label.COMPLIES,
    "violates": Label.VIOLATES,
    "not_applicable": Label.NOT_APPLICABLE,
    "not applicable": Label.NOT_APPLICABLE,
    "not-applicable": Label.NOT_APPLICABLE,
    "n/a": Label.NOT_APPLICABLE,
}
_HEX = re.compile(r"^[0-9a-f]{8,64}$")
_JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_CSV_SUFFIXES = {".csv", ".tsv"}


class LabelError(CheckerError):
    """A labels file that cannot be read: ``labels.csv:7: bad label 'maybe': ...``."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class HumanLabel:
    """One human judgment of a (transcript, principle) pair, with where it was read."""

    transcript_id: str
    principle_id: str
    label: Label
    principle_version: int | None = None
    """The principle version the label was made for, when the file says."""
    principle_hash: str | None = None
    """The principle content hash (or a prefix of it) the label was made for."""
    source: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.source else ""


def load_labels(path: Path | str) -> list[HumanLabel]:
    """Read a labels file (JSON lines or CSV/TSV, chosen by suffix, else by content).

    Raises :class:`LabelError` for a missing file, a bad record, or the same
    (transcript, principle) pair labelled twice.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LabelError(name, None, "cannot read: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelError(name, None, f"cannot read: {exc}") from None
    return parse_labels(text, source=name)


def parse_labels(text: str, *, source: str) -> list[HumanLabel]:
    """Labels from the text of a labels file named ``source`` (used in messages)."""
    suffix = Path(source).suffix.lower()
    if suffix in _JSON_SUFFIXES or (suffix not in _CSV_SUFFIXES and text.lstrip()[:1] == "{"):
        records = _json_records(text, source)
    else:
        records = _csv_records(text, source, "\t" if suffix == ".tsv" else ",")
    labels: list[HumanLabel] = []
    first_line: dict[tuple[str, str], int] = {}
    for line, record in records:
        label = _label(record, source, line)
        key = (label.transcript_id, label.principle_id)
        if key in first_line:
            raise LabelError(
                source,
                line,
                f"transcript {key[0]!r} is labelled for principle {key[1]!r} twice"
                f" (first at line {first_line[key]})",
            )
        first_line[key] = line
        labels.append(label)
    if not labels:
        raise LabelError(source, None, "no labels found")
    return labels


def _json_records(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise LabelError(source, number, f"not valid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise LabelError(
                source, number, f"expected a JSON object per line, found {type(record).__name__}"
            )
        yield number, record


def _csv_records(text: str, source: str, delimiter: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise LabelError(source, 1, f"bad CSV: {exc}") from None
    header = [h.strip() for h in header]
    present = set(header)
    for field in _REQUIRED:
        if not present.intersection(_ALIASES[field]):
            raise LabelError(
                source, 1, f"missing column {field!r} (columns: {', '.join(header) or 'none'})"
            )
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LabelError(source, start, f"bad CSV: {exc}") from None
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise LabelError(
                source, line, f"expected {len(header)} fields as in the header, found {len(row)}"
            )
        yield line, dict(zip(header, row, strict=True))


def _field(record: Mapping[str, Any], name: str) -> Any:
    for alias in _ALIASES[name]:
        value = record.get(alias)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


def _label(record: Mapping[str, Any], source: str, line: int) -> HumanLabel:
    values: dict[str, str] = {}
    for name in _REQUIRED:
        value = _field(record, name)
        if value is None:
            raise LabelError(source, line, f"missing {name}")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise LabelError(source, line, f"bad {name} {value!r}: expected a string")
        values[name] = str(value).strip()
    spelled = values["label"].lower()
    if spelled not in _LABEL_SPELLINGS:
        raise LabelError(
            source,
            line,
            f"bad label {values['label']!r}: expected complies, violates or not_applicable",
        )
    return HumanLabel(
        transcript_id=values["transcript_id"],
        principle_id=values["principle_id"],
        label=_LABEL_SPELLINGS[spelled],
        principle_version=_version(_field(record, "principle_version"), source, line),
        principle_hash=_hash(_field(record, "principle_hash"), source, line),
        source=source,
        line=line,
    )


def _version(value: Any, source: str, line: int) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise LabelError(
            source, line, f"bad principle_version {value!r}: expected a whole number >= 1"
        )
    return int(text)


def _hash(value: Any, source: str, line: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower().removeprefix("sha256:")
    if not _HEX.match(text):
        raise LabelError(
            source,
            line,
            f"bad principle_hash {value!r}: expected the principle's sha256 content hash"
            " (8 to 64 hex digits)",
        )
    return text
