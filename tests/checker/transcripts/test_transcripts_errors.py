"""Malformed input gives one exact ``file:line: not a transcript: expected ...`` message."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import TranscriptError
from checker.transcripts import load_transcripts

CASES = [
    # (file, line, message, transcripts still read with skip_invalid)
    (
        "bad_json_line.jsonl",
        3,
        "expected a JSON value per line (Expecting ',' delimiter at column 1)",
        3,
    ),
    (
        "bad_role.jsonl",
        2,
        "expected a role (system, developer, user, assistant, tool) at messages[1].role, "
        'found "robot"',
        1,
    ),
    (
        "not_a_chat.json",
        1,
        'expected a chat object with "messages", or a row with a prompt column '
        "(map one with prompt=COL), found an object",
        0,
    ),
    (
        "bad_tool_call.json",
        3,
        "expected a function name at messages[1].tool_calls[0].function.name, found null",
        1,
    ),
    (
        "bad_anthropic_block.json",
        1,
        "expected a string at messages[0].content[0].text, found 42",
        0,
    ),
    ("empty.json", None, "expected a transcript, found an empty file", 0),
    ("truncated.json", 1, "expected JSON (Expecting value at column 15)", 0),
    (
        "no_prompt_column.csv",
        1,
        "expected a prompt column (map one with prompt=COL; columns: id, text, label)",
        0,
    ),
    ("ragged.csv", 3, "expected 3 fields as in the header, found 4", 2),
    (
        "no_turns.txt",
        1,
        'expected a line starting "Human:", "User:", "Assistant:" or "System:", '
        'found "This is a note about a conversation, ..."',
        0,
    ),
    (
        "prose_first.md",
        1,
        'expected a line starting "Human:", "User:", "Assistant:" or "System:", '
        'found "Here is what the bot said yesterday."',
        0,
    ),
    ("bad_zip.eval", None, "expected a zipped Inspect log (.eval) (File is not a zip file)", 0),
    (
        "eval_bad_sample.eval",
        None,
        "expected a JSON sample at samples/2_epoch_1.json "
        "(Expecting value: line 1 column 36 (char 35))",
        1,
    ),
    (
        "inspect_bad_message.json",
        None,
        "expected a string at samples[1].messages[1].content[0].text, found null",
        1,
    ),
    ("binary.jsonl", 1, "expected UTF-8 text", 0),
]


@pytest.fixture
def malformed(fixtures_dir: Path) -> Path:
    return fixtures_dir / "transcripts" / "malformed"


@pytest.mark.parametrize(("name", "line", "message", "good"), CASES, ids=[c[0] for c in CASES])
def test_exact_message(
    malformed: Path, name: str, line: int | None, message: str, good: int
) -> None:
    path = malformed / name
    where = f"{path}:{line}" if line is not None else str(path)
    with pytest.raises(TranscriptError) as caught:
        list(load_transcripts(path))
    assert str(caught.value) == f"{where}: not a transcript: {message}"
    assert (caught.value.file, caught.value.line) == (str(path), line)


@pytest.mark.parametrize(("name", "line", "message", "good"), CASES, ids=[c[0] for c in CASES])
def test_skip_invalid_reports_and_goes_on(
    malformed: Path, name: str, line: int | None, message: str, good: int
) -> None:
    stream = load_transcripts(malformed / name, skip_invalid=True)
    assert len(list(stream)) == good
    assert [e.message for e in stream.skipped] == [f"not a transcript: {message}"]


def test_every_malformed_fixture_is_in_the_table(malformed: Path) -> None:
    assert sorted(p.name for p in malformed.iterdir()) == sorted(c[0] for c in CASES)


def test_missing_path_and_empty_glob(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match=r"nope\.jsonl: cannot read: no such file"):
        list(load_transcripts(tmp_path / "nope.jsonl"))
    with pytest.raises(TranscriptError, match=r"\*\.eval: cannot read: no file matches"):
        list(load_transcripts(str(tmp_path / "*.eval")))
    with pytest.raises(TranscriptError, match="expected transcript files in the directory"):
        list(load_transcripts(tmp_path))


def test_bad_mapping_column(fixtures_dir: Path) -> None:
    path = fixtures_dir / "transcripts" / "dataset.csv"
    with pytest.raises(TranscriptError) as caught:
        list(load_transcripts(path, mapping={"prompt": "question"}))
    assert str(caught.value) == (
        f"{path}:1: not a transcript: expected a column 'question' for prompt "
        "(columns: id, prompt, response, label, notes)"
    )


def test_forced_format_mismatch(fixtures_dir: Path) -> None:
    path = fixtures_dir / "transcripts" / "dataset.csv"
    with pytest.raises(TranscriptError) as caught:
        list(load_transcripts(path, format="openai"))
    assert str(caught.value) == f"{path}: not a transcript: expected openai input, found a csv file"


def test_error_is_lazy_and_earlier_records_arrive(fixtures_dir: Path) -> None:
    stream = load_transcripts(fixtures_dir / "transcripts" / "malformed" / "bad_json_line.jsonl")
    assert next(stream).messages[0].text == "ok"
    assert next(stream).messages[0].text == "fine"
    with pytest.raises(TranscriptError):
        next(stream)
