"""Fuzzing: no input, however broken, gives anything but transcripts or a TranscriptError."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import TranscriptError
from checker.transcripts import TranscriptFormat, read_transcripts

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(["x.json", "x.jsonl", "x.csv", "x.tsv", "x.txt", "x.md", "x.eval", "x"])
FORMATS = st.sampled_from([None, *TranscriptFormat])

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "role",
                    "content",
                    "type",
                    "text",
                    "id",
                    "messages",
                    "tool_calls",
                    "function",
                    "name",
                    "input",
                    "arguments",
                    "epoch",
                    "error",
                    "eval",
                    "samples",
                    "system",
                    "prompt",
                    "response",
                    "parts",
                    "params",
                    "custom_id",
                    "tool_use_id",
                    "source",
                    "image_url",
                    "reasoning",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)
roles = st.sampled_from(["user", "assistant", "system", "tool", "developer", "bot"])
block_types = st.sampled_from(
    [
        "text",
        "image",
        "image_url",
        "tool_use",
        "tool_result",
        "thinking",
        "redacted_thinking",
        "reasoning",
        "refusal",
        "server_tool_use",
        "web_search_tool_result",
        "audio",
    ]
)
blocks = st.lists(
    st.fixed_dictionaries(
        {"type": block_types | json_values},
        optional={
            k: json_values
            for k in (
                "text",
                "id",
                "name",
                "input",
                "content",
                "tool_use_id",
                "is_error",
                "source",
                "image_url",
                "image",
                "reasoning",
                "thinking",
                "refusal",
                "arguments",
                "result",
                "redacted",
            )
        },
    ),
    max_size=3,
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": roles},
        optional={
            "content": json_values | blocks,
            "tool_calls": json_values,
            "error": json_values,
            "tool_call_id": json_values,
        },
    ),
    max_size=4,
)
records = st.one_of(
    json_values,
    st.builds(lambda m: {"messages": m}, messages),
    st.builds(lambda m, s: {"system": s, "messages": m}, messages, json_values),
    st.builds(
        lambda m, e: {"eval": {"task": "t"}, "samples": [{"id": 1, "epoch": e, "messages": m}]},
        messages,
        json_values,
    ),
    st.builds(lambda e, s: {"eval": e, "samples": s}, json_values, json_values),
)


def drain(data: bytes, name: str, fmt: TranscriptFormat | None) -> None:
    for skip in (False, True):
        try:
            stream = read_transcripts(io.BytesIO(data), name, format=fmt, skip_invalid=skip)
            for transcript in stream:
                transcript.model_dump_json()
                transcript.content_hash()
        except TranscriptError:
            assert not skip, "skip_invalid must never raise for bad records"


@FUZZ
@given(st.binary(max_size=300), NAMES, FORMATS)
def test_random_bytes(data: bytes, name: str, fmt: TranscriptFormat | None) -> None:
    drain(data, name, fmt)


@FUZZ
@given(records, NAMES, FORMATS)
def test_garbage_json_document(record: Any, name: str, fmt: TranscriptFormat | None) -> None:
    drain(json.dumps(record).encode(), name, fmt)


@FUZZ
@given(st.lists(records, min_size=1, max_size=3), FORMATS)
def test_garbage_json_lines(lines: list[Any], fmt: TranscriptFormat | None) -> None:
    data = "\n".join(json.dumps(r) for r in lines).encode() + b"\n"
    drain(data, "x.jsonl", fmt)


@FUZZ
@given(json_values, st.lists(json_values | st.binary(max_size=40), max_size=3))
def test_garbage_eval_zip(header: Any, samples: list[Any]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("header.json", json.dumps(header))
        for i, sample in enumerate(samples):
            body = sample if isinstance(sample, bytes) else json.dumps(sample).encode()
            archive.writestr(f"samples/{i}_epoch_1.json", body)
    drain(buffer.getvalue(), "x.eval", None)


@FUZZ
@given(st.text(max_size=200), st.sampled_from(["x.csv", "x.txt", "x.md"]))
def test_garbage_text(text: str, name: str) -> None:
    drain(text.encode("utf-8", "surrogatepass"), name, None)


def test_deeply_nested_json() -> None:
    for data in (b"[" * 100_000, b'{"messages": ' + b"[" * 100_000):
        for name in ("x.json", "x.jsonl"):
            drain(data, name, None)
