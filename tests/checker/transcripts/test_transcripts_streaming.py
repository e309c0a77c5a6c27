"""JSON lines and CSV are read lazily: the first transcript arrives before the file is read."""

from __future__ import annotations

import io
import json
from pathlib import Path

from checker.transcripts import read_transcripts
from checker.transcripts.detect import Container, detect_container


class CountingReader(io.RawIOBase):
    """A raw stream over bytes that counts how much has been read from it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.consumed += len(chunk)
        return len(chunk)


def jsonl(count: int) -> bytes:
    line = {
        "messages": [
            {"role": "user", "content": "x" * 500},
            {"role": "assistant", "content": "y" * 500},
        ]
    }
    return b"".join(json.dumps({**line, "id": f"r{i}"}).encode() + b"\n" for i in range(count))


def test_jsonl_is_streamed() -> None:
    data = jsonl(5000)  # about 5 MB
    raw = CountingReader(data)
    stream = read_transcripts(raw, "big.jsonl")  # type: ignore[arg-type]
    assert next(stream).id == "r0"
    assert raw.consumed < 200_000 < len(data)
    assert sum(1 for _ in stream) == 4999
    assert raw.consumed == len(data)


def test_csv_is_streamed() -> None:
    rows = "".join(f"{i},question {i},{'z' * 1000}\n" for i in range(5000))
    data = ("id,prompt,response\n" + rows).encode()
    raw = CountingReader(data)
    stream = read_transcripts(raw, "big.csv")  # type: ignore[arg-type]
    assert next(stream).id == "0"
    assert raw.consumed < 200_000 < len(data)


def test_stdin_like_stream_of_an_eval_log(fixtures_dir: Path) -> None:
    data = (fixtures_dir / "transcripts" / "inspect_small.eval").read_bytes()
    transcripts = list(read_transcripts(CountingReader(data), "-"))  # type: ignore[arg-type]
    assert len(transcripts) == 4


def test_json_lines_detected_without_the_suffix() -> None:
    head = b'{"messages": []}\n{"messages": []}\n'
    assert detect_container("dump.json", head) is Container.JSONL
    assert detect_container("dump.json", b'{\n  "messages": []\n}\n') is Container.JSON
    assert detect_container("notes", b"Human: hi\n") is Container.TEXT
    assert detect_container("log.bin", b"PK\x03\x04rest") is Container.ZIP
