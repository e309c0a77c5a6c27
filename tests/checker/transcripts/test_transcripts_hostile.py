"""Hostile transcript files: each bad record is one located error, the others still read."""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile
from pathlib import Path

import pytest

from checker.errors import TranscriptError
from checker.transcripts import (
    inspect_log,
    load_checked_transcripts,
    load_transcripts,
    transcript_stats,
)

HEADER = {"version": 2, "status": "success", "eval": {"task": "t", "model": "m"}}


def chat(ident: str, text: str = "hi", **extra: object) -> dict[str, object]:
    return {"id": ident, "messages": [{"role": "user", "content": text}], **extra}


def deep(depth: int) -> object:
    return json.loads("[" * depth + "]" * depth)


def tool_call_line(ident: str, arguments: str) -> dict[str, object]:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}
    return {
        "id": ident,
        "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
        ],
    }


def write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def write_eval(path: Path, samples: dict[str, object]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", json.dumps(HEADER))
        for name, sample in samples.items():
            archive.writestr(name, json.dumps(sample))
    return path


def sample(ident: int, **extra: object) -> dict[str, object]:
    return {"id": ident, "epoch": 1, "messages": [{"role": "user", "content": "q"}], **extra}


@pytest.mark.parametrize("depth", [260, 900])
def test_deep_tool_call_arguments_make_one_invalid_record(tmp_path: Path, depth: int) -> None:
    path = write_jsonl(
        tmp_path / "chats.jsonl",
        [chat("a"), tool_call_line("b", json.dumps(deep(depth))), chat("c")],
    )
    stream = load_transcripts(path, skip_invalid=True)
    assert [t.id for t in stream] == ["a", "c"]
    (error,) = stream.skipped
    assert str(error).startswith(f"{path}:2: not a transcript: expected values nested at most 100")
    assert "messages[1].tool_calls[0].function.arguments" in str(error)
    with pytest.raises(TranscriptError, match=r"chats.jsonl:2: not a transcript"):
        list(load_transcripts(path))


def test_deep_objects_anywhere_in_a_record_are_refused(tmp_path: Path) -> None:
    tool_use = {"type": "tool_use", "id": "x", "name": "f", "input": {"a": deep(150)}}
    anthropic = {
        "id": "d",
        "system": "s",
        "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": [tool_use]},
        ],
    }
    lines = [json.dumps(chat("a")), json.dumps(chat("b", extra=deep(300))), json.dumps(anthropic)]
    lines.append('{"id": "e", "messages": ' + "[" * 100_000 + "]" * 100_000 + "}")
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    stream = load_transcripts(path, skip_invalid=True)
    assert [t.id for t in stream] == ["a"]
    assert [e.line for e in stream.skipped] == [2, 3, 4]
    assert "messages[1].content[0].input.a" in str(stream.skipped[1])


def test_deep_sample_field_in_an_eval_log(tmp_path: Path) -> None:
    path = write_eval(
        tmp_path / "log.eval",
        {
            "samples/1_epoch_1.json": sample(1),
            "samples/2_epoch_1.json": sample(2, metadata={"x": deep(900)}),
            "samples/3_epoch_1.json": sample(3),
        },
    )
    stream = load_transcripts(path, skip_invalid=True)
    stats = transcript_stats(stream)
    assert stats.transcripts == 2
    (error,) = stream.skipped
    assert "samples/2_epoch_1.json:metadata.x" in str(error)
    assert "nested at most 100 deep" in str(error)


def test_eval_members_declared_too_large_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inspect_log, "MAX_MEMBER_BYTES", 2000)
    big = sample(2, metadata={"notes": [f"note {i}" for i in range(400)]})
    path = write_eval(
        tmp_path / "log.eval", {"samples/1_epoch_1.json": sample(1), "samples/2_epoch_1.json": big}
    )
    stream = load_transcripts(path, skip_invalid=True)
    assert [t.id for t in stream] == ["t:1"]
    (error,) = stream.skipped
    assert "expected a member of at most" in str(error)
    assert "samples/2_epoch_1.json" in str(error)


def test_a_zip_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", json.dumps(HEADER))
        with archive.open("samples/1_epoch_1.json", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(64):
                member.write(chunk)
    assert path.stat().st_size < 200_000
    started = time.perf_counter()
    stream = load_transcripts(path, skip_invalid=True)
    assert list(stream) == []
    assert time.perf_counter() - started < 1
    (error,) = stream.skipped
    assert "expected a compression ratio of at most 200:1" in str(error)


def test_a_repeated_id_in_one_file_names_both_lines_before_anything_is_read(
    tmp_path: Path,
) -> None:
    path = write_jsonl(tmp_path / "chats.jsonl", [chat("a"), chat("b"), chat("a", "again")])
    with pytest.raises(TranscriptError) as info:
        load_checked_transcripts(path)
    assert str(info.value) == (
        f"{path}:3: transcript id 'a' occurs more than once in this file: "
        "at line 3 and first at line 1"
    )
    stream = load_checked_transcripts(path, skip_invalid=True)
    assert [t.id for t in stream] == ["a", "b"]
    assert [e.line for e in stream.skipped] == [3]


def test_ids_shared_by_files_are_qualified_only_where_they_collide(tmp_path: Path) -> None:
    one = write_jsonl(tmp_path / "one.jsonl", [chat("a"), chat("b")])
    two = write_jsonl(tmp_path / "two.jsonl", [chat("a"), chat("c")])
    ids = [t.id for t in load_checked_transcripts(tmp_path)]
    assert ids == [f"{one}#a", "b", f"{two}#a", "c"]


def test_invalid_records_stop_before_any_transcript_is_returned(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(chat("a")) + "\n" + "{not json\n")
    with pytest.raises(TranscriptError, match=r"chats.jsonl:2: not a transcript"):
        load_checked_transcripts(path)


def test_stdin_is_spooled_and_read_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    data = "".join(json.dumps(r) + "\n" for r in (chat("a"), chat("a")))

    class Stdin:
        buffer = io.BytesIO(data.encode())

    monkeypatch.setattr(sys, "stdin", Stdin())
    stream = load_checked_transcripts(["-"], skip_invalid=True)
    assert [t.id for t in stream] == ["a"]
    assert str(stream.skipped[0]).startswith("<stdin>:2: transcript id 'a' occurs more than once")


def test_a_huge_transcript_gets_a_warning(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "big.jsonl", [chat("a"), chat("big", "x" * 2_000_000)])
    warnings: list[str] = []
    assert len(list(load_checked_transcripts(path, warn=warnings.append))) == 2
    assert warnings == [
        f"warning: {path} (line 2): transcript 'big' holds 2,000,000 characters (~500,000 tokens); "
        "it is sent to the judge once per principle checked"
    ]
