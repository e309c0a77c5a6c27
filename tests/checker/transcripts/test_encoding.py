"""CSV and text in other encodings (``encoding=``), and decode errors at their real line."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import CheckerError, TranscriptError
from checker.transcripts import load_transcripts


def _mac_roman_csv(path: Path, rows: int) -> Path:
    lines = ["id,prompt,response"] + [f"r{i},question {i},answer {i}" for i in range(rows)]
    lines.append("last,Un café ?,Oui.")
    path.write_bytes(("\n".join(lines) + "\n").encode("mac_roman"))
    return path


def test_a_bad_byte_deep_in_a_csv_names_its_own_line(tmp_path: Path) -> None:
    path = _mac_roman_csv(tmp_path / "mac.csv", 400)
    data = path.read_bytes()
    offset = data.index(b"caf") + 3
    with pytest.raises(TranscriptError) as caught:
        list(load_transcripts(path))
    assert caught.value.line == 402
    assert str(caught.value) == (
        f"{path}:402: not UTF-8 text: byte 0x8e at offset {offset:,} (give the file's"
        " encoding with --encoding, e.g. cp1252, latin-1 or mac_roman)"
    )


def test_the_encoding_can_be_given(tmp_path: Path) -> None:
    path = _mac_roman_csv(tmp_path / "mac.csv", 3)
    items = list(load_transcripts(path, encoding="mac_roman"))
    assert items[-1].messages[0].parts[0].text == "Un café ?"  # type: ignore[union-attr]


def test_utf8_with_a_byte_order_mark_is_the_default(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffprompt,response\nhé,ok\n".encode())
    (item,) = load_transcripts(path)
    assert item.messages[0].parts[0].text == "hé"  # type: ignore[union-attr]


def test_utf16_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes("prompt,response\nhé,ok\n".encode("utf-16"))
    (item,) = load_transcripts(path, encoding="utf-16")
    assert item.messages[1].parts[0].text == "ok"  # type: ignore[union-attr]


def test_text_files_name_the_line_too(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes("Human: hello\n\nAssistant: caf\xe9\n".encode("latin-1"))
    with pytest.raises(TranscriptError, match=r"chat.txt:3: not UTF-8 text: byte 0xe9"):
        list(load_transcripts(path))
    (item,) = load_transcripts(path, encoding="latin-1")
    assert item.messages[1].parts[0].text == "café"  # type: ignore[union-attr]


def test_an_unknown_encoding_is_named() -> None:
    with pytest.raises(CheckerError, match="unknown encoding 'klingon'"):
        load_transcripts("x.csv", encoding="klingon")
