"""Text files read line by line in a chosen encoding, a bad byte placed at its real line.

Decoding each line by itself (rather than in 8 KiB chunks) lets an error name the
line and byte offset of the byte that does not decode, not the line being read when
a chunk failed. Encodings that are not ASCII-compatible (UTF-16, UTF-32) cannot be
split on ``\\n`` bytes: they are decoded whole, and an error names no line.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import IO

from checker.errors import CheckerError

DEFAULT_ENCODING = "utf-8-sig"
"""UTF-8, with a leading byte-order mark dropped (as spreadsheets write it)."""
_WIDE = ("utf-16", "utf-32")


class DecodeError(Exception):
    """A byte that does not decode: its line (None when unknown), offset and encoding."""

    def __init__(self, line: int | None, offset: int, byte: int, encoding: str) -> None:
        self.line = line
        self.offset = offset
        self.byte = byte
        self.encoding = encoding
        super().__init__(
            f"not {_label(encoding)} text: byte 0x{byte:02x} at offset {offset:,}"
            " (give the file's encoding with --encoding, e.g. cp1252, latin-1 or mac_roman)"
        )


def _label(encoding: str) -> str:
    return "UTF-8" if encoding == DEFAULT_ENCODING else encoding


def check_encoding(encoding: str) -> str:
    """``encoding`` if Python knows it; :class:`CheckerError` naming it otherwise."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CheckerError(
            f"unknown encoding {encoding!r} (for example utf-8, cp1252, latin-1, mac_roman)"
        ) from None
    return encoding


def decoded_lines(stream: IO[bytes], encoding: str = DEFAULT_ENCODING) -> Iterator[str]:
    """The lines of ``stream`` (with their line ends), decoded; :class:`DecodeError` names
    the line of a bad byte."""
    name = codecs.lookup(encoding).name
    if name.startswith(_WIDE):
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            yield from text
        except UnicodeDecodeError as exc:
            raise DecodeError(None, exc.start, exc.object[exc.start], encoding) from None
        finally:
            text.detach()
        return
    offset = 0
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode(encoding if number == 1 else _no_bom(encoding))
        except UnicodeDecodeError as exc:
            raise DecodeError(number, offset + exc.start, raw[exc.start], encoding) from None
        offset += len(raw)
        yield line


def _no_bom(encoding: str) -> str:
    return "utf-8" if encoding == DEFAULT_ENCODING else encoding
