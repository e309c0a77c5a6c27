"""Reading transcripts twice: a first pass checks them all before anything is judged.

The first pass reads every file once, keeping only ids and where they were found
(in a temporary file, :class:`checker.spill.SpillIndex`: memory stays flat):
invalid records, an id used twice in one file, and ids that several files share
are known before the check starts. Standard input is spooled to a temporary file
so that it can be read twice. The second pass yields the transcripts, with ids
that collide across files qualified by their file (``path#id``) and every other
id unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import TranscriptError
from checker.spill import SpillIndex
from checker.transcript import ReasoningPart, TextPart, ToolResultPart, Transcript
from checker.transcripts._decode import DEFAULT_ENCODING, check_encoding
from checker.transcripts._load import STDIN, Item, PathLike, TranscriptStream, items_by_file
from checker.transcripts.detect import TranscriptFormat
from checker.transcripts.tabular import parse_mapping

LARGE_TRANSCRIPT_CHARS = 1_000_000
"""A transcript holding more characters than this gets a warning: each judgment resends it."""

Warn = Callable[[str], None]
_Place = tuple[str, int]  # a file as named, and the ordinal of an item read from it
Files = Iterable[tuple[str, Iterable[Item]]]


@dataclass
class FirstPass:
    """What the first reading found."""

    invalid: list[TranscriptError] = field(default_factory=list)
    """Invalid records and ids repeated inside one file, in reading order."""
    collisions: set[str] = field(default_factory=set)
    """Ids found in more than one file: qualified by their file on the second pass."""
    repeated: set[_Place] = field(default_factory=set)
    """The places of the later records of an id repeated in one file."""
    transcripts: int = 0


def load_checked_transcripts(
    paths: PathLike | Iterable[PathLike],
    *,
    format: TranscriptFormat | str | None = None,
    mapping: Mapping[str, str] | str | None = None,
    skip_invalid: bool = False,
    warn: Warn | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> TranscriptStream:
    """Transcripts as :func:`~checker.transcripts.load_transcripts` reads them, checked first.

    Every file is read once before anything is yielded: without ``skip_invalid`` the
    first invalid record (or id repeated in one file, naming both places) raises
    :class:`TranscriptError` before any transcript is returned; with it, they are
    skipped, and already listed in :attr:`TranscriptStream.skipped` when this returns.
    Ids shared by several files become ``path#id``. ``warn`` receives a line for
    each very large transcript.
    """
    chosen = TranscriptFormat(format) if format is not None else None
    columns = parse_mapping(mapping) if isinstance(mapping, str) else mapping
    names = [paths] if isinstance(paths, str | Path) else list(paths)
    encoding = check_encoding(encoding)
    spool = _spool_stdin() if any(str(n) == STDIN for n in names) else None
    try:
        found = first_pass(
            items_by_file(names, chosen, columns, stdin=spool, encoding=encoding), warn
        )
    except BaseException:
        _remove(spool)
        raise
    if found.invalid and not skip_invalid:
        _remove(spool)
        raise found.invalid[0]
    items = _second_pass(
        items_by_file(names, chosen, columns, stdin=spool, encoding=encoding), found, spool
    )
    stream = TranscriptStream(items, skip_invalid=skip_invalid)
    stream.skipped.extend(found.invalid)  # known before the first transcript is returned
    return stream


def first_pass(files: Files, warn: Warn | None = None) -> FirstPass:
    """Read every file once: invalid records, ids repeated in a file, ids shared by files."""
    found = FirstPass()
    first = SpillIndex()  # id -> file and where in it, on disk: memory stays flat
    for name, items in files:
        for ordinal, item in enumerate(items):
            if isinstance(item, TranscriptError):
                found.invalid.append(item)
                continue
            found.transcripts += 1
            where = _where(item, name, ordinal)
            seen = first.get(item.id)
            earlier = None if seen is None else tuple(json.loads(seen))
            if earlier is None:
                first.add(item.id, json.dumps([name, where]))
            elif earlier[0] == name:
                line = item.metadata.get("line") if where.startswith("line ") else None
                error = TranscriptError(
                    name,
                    line,
                    f"transcript id {item.id!r} occurs more than once in this file: "
                    f"at {where} and first at {earlier[1]}",
                )
                found.repeated.add((name, ordinal))
                found.invalid.append(error)
            else:
                found.collisions.add(item.id)
            if warn is not None:
                _warn_if_large(item, name, where, warn)
    first.close()
    return found


def _second_pass(files: Files, found: FirstPass, spool: Path | None) -> Iterator[Item]:
    """The transcripts, ids qualified; what the first pass found invalid is left out."""
    known = {str(error) for error in found.invalid}
    try:
        for name, items in files:
            for ordinal, item in enumerate(items):
                if isinstance(item, TranscriptError):
                    if str(item) not in known:  # the file changed since the first pass
                        yield item
                    continue
                if (name, ordinal) in found.repeated:
                    continue
                if item.id in found.collisions:
                    item = item.model_copy(update={"id": f"{name}#{item.id}"})
                yield item
    finally:
        _remove(spool)


def _where(transcript: Transcript, name: str, ordinal: int) -> str:
    """``line N`` when the record says where it starts in this file, else ``record N``."""
    meta = transcript.metadata
    line = meta.get("line")
    if meta.get("source") == name and isinstance(line, int):
        return f"line {line}"
    return f"record {ordinal + 1}"


def transcript_chars(transcript: Transcript) -> int:
    """Characters of text, reasoning and tool output: what a judge is sent, roughly."""
    total = 0
    for message in transcript.messages:
        for part in message.parts:
            if isinstance(part, TextPart | ReasoningPart):
                total += len(part.text)
            elif isinstance(part, ToolResultPart):
                total += len(part.output) + len(part.error or "")
    return total


def _warn_if_large(transcript: Transcript, name: str, where: str, warn: Warn) -> None:
    chars = transcript_chars(transcript)
    if chars <= LARGE_TRANSCRIPT_CHARS:
        return
    warn(
        f"warning: {name} ({where}): transcript {transcript.id!r} holds {chars:,} characters "
        f"(~{chars // 4:,} tokens); it is sent to the judge once per principle checked"
    )


def _spool_stdin() -> Path:
    """Standard input copied to a temporary file, so that it can be read twice."""
    handle, name = tempfile.mkstemp(prefix="constitution-stdin-")
    with os.fdopen(handle, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return Path(name)


def _remove(spool: Path | None) -> None:
    if spool is not None:
        spool.unlink(missing_ok=True)
