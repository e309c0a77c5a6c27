"""The local judge reads a capped prefix and suffix of huge messages."""

from __future__ import annotations

from checker.judges.local._features import (
    ELISION,
    READ_HEAD_CHARS,
    READ_TAIL_CHARS,
    exchange_of,
    read_window,
)
from tests.checker.stub_judge import make_transcript


def test_short_text_is_read_whole() -> None:
    text = "x" * (READ_HEAD_CHARS + READ_TAIL_CHARS)
    assert read_window(text) is text


def test_long_text_is_read_as_its_prefix_and_suffix() -> None:
    text = "a" * READ_HEAD_CHARS + "b" * 1_000_000 + "c" * READ_TAIL_CHARS
    assert read_window(text) == "a" * READ_HEAD_CHARS + ELISION + "c" * READ_TAIL_CHARS


def test_an_exchange_of_a_huge_transcript_is_bounded() -> None:
    huge = "word " * 2_000_000
    exchange = exchange_of(make_transcript("t", huge, prompt=huge))
    limit = READ_HEAD_CHARS + READ_TAIL_CHARS + len(ELISION)
    assert len(exchange.reply) == len(exchange.request) == limit
    assert exchange.reply_index == 1
