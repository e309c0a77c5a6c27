"""Reading transcripts from paths, directories, globs and standard input."""

from __future__ import annotations

import glob
import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from checker.errors import TranscriptError
from checker.transcript import Transcript
from checker.transcripts._common import RecordError, check_nesting, not_a_transcript, unreadable
from checker.transcripts._decode import (
    DEFAULT_ENCODING,
    DecodeError,
    check_encoding,
    decoded_lines,
)
from checker.transcripts._jsonio import (
    JsonLineError,
    JsonRecord,
    iter_json_document,
    iter_json_lines,
)
from checker.transcripts.anthropic_json import anthropic_transcript
from checker.transcripts.detect import (
    HEAD_BYTES,
    KNOWN_SUFFIXES,
    Container,
    TranscriptFormat,
    detect_container,
    detect_record,
    is_inspect_log,
)
from checker.transcripts.inspect_log import inspect_eval_transcripts, inspect_json_transcripts
from checker.transcripts.openai_chat import openai_transcript
from checker.transcripts.plain_text import LineError, text_transcript
from checker.transcripts.tabular import (
    csv_transcripts,
    parse_mapping,
    resolve_mapping,
    row_transcript,
)

STDIN = "-"
STDIN_NAME = "<stdin>"
Item = Transcript | TranscriptError
PathLike = str | Path


class TranscriptStream(Iterator[Transcript]):
    """Transcripts read lazily, one file and one record at a time.

    An invalid record raises :class:`TranscriptError`, unless the stream was made with
    ``skip_invalid=True``: then the error is appended to :attr:`skipped` (and passed to
    ``on_skip``) and reading goes on with the next record.
    """

    def __init__(self, items: Iterator[Item], *, skip_invalid: bool = False) -> None:
        self._items = items
        self.skip_invalid = skip_invalid
        self.skipped: list[TranscriptError] = []
        """Every record skipped so far, with the reason, in reading order."""

    def __iter__(self) -> TranscriptStream:
        return self

    def __next__(self) -> Transcript:
        for item in self._items:
            if isinstance(item, Transcript):
                return item
            if not self.skip_invalid:
                raise item
            self.skipped.append(item)
        raise StopIteration


def load_transcripts(
    paths: PathLike | Iterable[PathLike],
    *,
    format: TranscriptFormat | str | None = None,
    mapping: Mapping[str, str] | str | None = None,
    skip_invalid: bool = False,
    encoding: str = DEFAULT_ENCODING,
) -> TranscriptStream:
    """Transcripts from files, directories (searched recursively), globs or ``-`` (stdin).

    ``format`` forces one :class:`TranscriptFormat` instead of detecting it; ``mapping``
    (``{"prompt": COL, ...}`` or ``"prompt=COL,response=COL"``) maps table columns;
    ``encoding`` is that of CSV, TSV and plain-text files (JSON is UTF-8).
    Nothing is read until the stream is iterated; JSON lines and CSV are streamed.
    """
    chosen = TranscriptFormat(format) if format is not None else None
    columns = parse_mapping(mapping) if isinstance(mapping, str) else mapping
    names = [paths] if isinstance(paths, str | Path) else list(paths)
    items = items_from_paths(names, chosen, columns, encoding=check_encoding(encoding))
    return TranscriptStream(items, skip_invalid=skip_invalid)


def read_transcripts(
    stream: IO[bytes],
    name: str,
    *,
    format: TranscriptFormat | str | None = None,
    mapping: Mapping[str, str] | str | None = None,
    skip_invalid: bool = False,
    encoding: str = DEFAULT_ENCODING,
) -> TranscriptStream:
    """Transcripts from one open binary stream; ``name`` is used in messages and metadata."""
    chosen = TranscriptFormat(format) if format is not None else None
    columns = parse_mapping(mapping) if isinstance(mapping, str) else mapping
    items = _from_stream(_peekable(stream), name, chosen, columns, check_encoding(encoding))
    return TranscriptStream(items, skip_invalid=skip_invalid)


def expand_paths(paths: Iterable[PathLike]) -> Iterator[Path | str | TranscriptError]:
    """Files named by ``paths``: directories searched, globs expanded, ``-`` kept as is."""
    for entry in paths:
        text = str(entry)
        path = Path(entry)
        if text == STDIN:
            yield STDIN
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if _wanted(p, path))
            if not files:
                yield TranscriptError(
                    text,
                    None,
                    "not a transcript: expected transcript files in the directory, found none",
                )
            yield from files
        elif path.exists():
            yield path
        elif any(c in text for c in "*?["):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                yield TranscriptError(text, None, "cannot read: no file matches")
            yield from expand_paths(matches)
        else:
            yield TranscriptError(text, None, "cannot read: no such file or directory")


def _wanted(path: Path, root: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
    return path.is_file() and not hidden and path.suffix.lower() in KNOWN_SUFFIXES


def items_from_paths(
    paths: list[PathLike],
    format: TranscriptFormat | None,
    mapping: Mapping[str, str] | None,
    *,
    stdin: Path | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Item]:
    """Transcripts and errors of every file, in order; ``-`` reads ``stdin`` if given."""
    for _, items in items_by_file(paths, format, mapping, stdin=stdin, encoding=encoding):
        yield from items


def items_by_file(
    paths: list[PathLike],
    format: TranscriptFormat | None,
    mapping: Mapping[str, str] | None,
    *,
    stdin: Path | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[tuple[str, Iterator[Item]]]:
    """Each file's name and its items (read one file after the other, lazily)."""
    for source in expand_paths(paths):
        if isinstance(source, TranscriptError):
            yield source.file, iter((source,))
        elif source == STDIN and stdin is None:
            stream = _peekable(sys.stdin.buffer)
            yield STDIN_NAME, _from_stream(stream, STDIN_NAME, format, mapping, encoding)
        else:
            file = stdin if stdin is not None and source == STDIN else source
            name = STDIN_NAME if source == STDIN else str(source)
            yield name, _from_file(file, name, format, mapping, encoding)


def _from_file(
    file: PathLike,
    name: str,
    format: TranscriptFormat | None,
    mapping: Mapping[str, str] | None,
    encoding: str,
) -> Iterator[Item]:
    try:
        stream = io.BufferedReader(io.FileIO(file), buffer_size=HEAD_BYTES)
    except OSError as exc:
        yield TranscriptError(name, None, f"cannot read: {exc.strerror or exc}")
        return
    with stream:
        yield from _from_stream(stream, name, format, mapping, encoding)


def _peekable(stream: IO[bytes]) -> io.BufferedReader[Any]:
    if isinstance(stream, io.BufferedReader):
        return stream
    return io.BufferedReader(stream, buffer_size=HEAD_BYTES)


def _from_stream(
    stream: io.BufferedReader[Any],
    name: str,
    format: TranscriptFormat | None,
    mapping: Mapping[str, str] | None,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Item]:
    try:
        head = stream.peek(HEAD_BYTES)[:HEAD_BYTES]
    except OSError as exc:
        yield TranscriptError(name, None, f"cannot read: {exc}")
        return
    container = detect_container(name, head, format)
    wrong = _wrong_format(container, format)
    if not head.strip():
        yield not_a_transcript(name, None, "expected a transcript, found an empty file")
    elif wrong:
        yield not_a_transcript(name, None, wrong)
    elif container is Container.ZIP:
        seekable = stream if stream.seekable() else io.BytesIO(stream.read())
        yield from inspect_eval_transcripts(seekable, name)
    elif container in (Container.CSV, Container.TSV):
        delimiter = "\t" if container is Container.TSV else ","
        yield from csv_transcripts(decoded_lines(stream, encoding), name, mapping, delimiter)
    elif container is Container.TEXT:
        yield _text_item(stream, name, encoding)
    elif container is Container.JSONL:
        for entry in iter_json_lines(stream):
            yield _json_item(entry, name, format, mapping)
    else:
        yield from _json_document(stream, name, format, mapping)


def _wrong_format(container: Container, format: TranscriptFormat | None) -> str | None:
    allowed = {
        Container.ZIP: TranscriptFormat.INSPECT,
        Container.CSV: TranscriptFormat.TABULAR,
        Container.TSV: TranscriptFormat.TABULAR,
        Container.TEXT: TranscriptFormat.TEXT,
    }.get(container)
    if format is None or allowed is None or format is allowed:
        return None
    return f"expected {format} input, found a {container} file"


def _text_item(stream: io.BufferedReader[Any], name: str, encoding: str) -> Item:
    try:
        lines = (line.rstrip("\r\n") for line in decoded_lines(stream, encoding))
        return text_transcript(lines, {"source": name})
    except LineError as exc:
        return not_a_transcript(name, exc.line, exc.error)
    except DecodeError as exc:
        return TranscriptError(name, exc.line, str(exc))


def _json_document(
    stream: io.BufferedReader[Any],
    name: str,
    format: TranscriptFormat | None,
    mapping: Mapping[str, str] | None,
) -> Iterator[Item]:
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        yield not_a_transcript(name, None, "expected UTF-8 text")
        return
    entries = iter_json_document(text)
    first = next(entries, None)
    if first is None:
        return
    if isinstance(first, JsonRecord) and (
        format is TranscriptFormat.INSPECT or (format is None and is_inspect_log(first.value))
    ):
        yield from inspect_json_transcripts(first.value, name)
        return
    if isinstance(first, JsonRecord) and _is_message(first.value) and _is_array(text):
        # A top-level array of messages is one conversation, not many.
        rest = list(entries)
        bad = next((e for e in rest if isinstance(e, JsonLineError)), None)
        if bad is not None:
            yield _json_item(bad, name, format, mapping)
            return
        values = [first.value, *(e.value for e in rest if isinstance(e, JsonRecord))]
        start = text.count("\n", 0, len(text) - len(text.lstrip())) + 1
        yield _json_item(JsonRecord(values, start, 0), name, format, mapping)
        return
    yield _json_item(first, name, format, mapping)
    for entry in entries:
        yield _json_item(entry, name, format, mapping)


def _is_array(text: str) -> bool:
    return text.lstrip()[:1] == "["


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and "role" in value and "messages" not in value


def _json_item(
    entry: JsonRecord | JsonLineError,
    name: str,
    format: TranscriptFormat | None,
    mapping: Mapping[str, str] | None,
) -> Item:
    if isinstance(entry, JsonLineError):
        return not_a_transcript(name, entry.line, entry.error)
    metadata = {"source": name, "line": entry.line, "index": entry.index}
    try:
        check_nesting(entry.value)
        return record_transcript(entry.value, metadata, format, mapping)
    except RecordError as exc:
        return not_a_transcript(name, entry.line, exc)
    except (ValueError, RecursionError) as exc:  # a last guard: one record never ends a run
        return not_a_transcript(name, entry.line, unreadable(exc))


def record_transcript(
    value: Any,
    metadata: dict[str, Any],
    format: TranscriptFormat | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Transcript:
    """One JSON record as a transcript, in the given format or the one it looks like."""
    kind = format or detect_record(value)
    if kind is None and isinstance(value, dict):
        kind = TranscriptFormat.TABULAR
    if kind is TranscriptFormat.ANTHROPIC:
        return anthropic_transcript(value, metadata)
    if kind is TranscriptFormat.OPENAI:
        return openai_transcript(value, metadata)
    if kind is TranscriptFormat.NATIVE:
        return _native(value)
    if kind is TranscriptFormat.TABULAR and isinstance(value, dict):
        try:
            columns = resolve_mapping(list(value), mapping)
        except RecordError:
            if format is None and mapping is None:
                raise RecordError(
                    'a chat object with "messages", or a row with a prompt '
                    "column (map one with prompt=COL)",
                    "",
                    value,
                ) from None
            raise
        return row_transcript(value, columns, metadata)
    if kind is TranscriptFormat.INSPECT:
        raise RecordError('an Inspect log object with "eval" and "samples"', "", value)
    raise RecordError('a chat object with "messages", or a row with a prompt column', "", value)


def _native(value: Any) -> Transcript:
    try:
        return Transcript.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RecordError(f"a normalised transcript ({first['msg']})", where) from None
