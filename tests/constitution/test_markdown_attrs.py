"""Attribute lists: parsing, quoting and heading lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constitution._md_attrs import (
    AttrError,
    format_attrs,
    parse_attr_items,
    parse_heading_line,
    quote_value,
)
from constitution.markdown_render import _heading

KEYS = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


def test_parse_items() -> None:
    attrs = parse_attr_items('#a.b .section tier=safety note="say \\"hi\\"\\n" x=\'y z\'')
    assert attrs.id == "a.b"
    assert attrs.classes == ["section"]
    assert attrs.values == {"tier": "safety", "note": 'say "hi"\n', "x": "y z"}
    assert attrs.columns == {"#": 0, ".section": 5, "tier": 14, "note": 26, "x": 46}


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("#a #b", "more than one '#id'", 3),
        ("kind=", "missing value for 'kind'", 5),
        ('note="open', "unterminated quoted value", 5),
        ("tier=a=b", "expected a space between attributes", 6),
        ("#a ?", "expected '#id', '.class' or 'key=value' (got '?')", 3),
        ('n="\\q"', "bad escape in quoted value: Invalid \\escape", 2),
        ("a=1 a=2", "duplicate attribute 'a'", 4),
    ],
)
def test_parse_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(AttrError) as info:
        parse_attr_items(text)
    assert (str(info.value), info.value.offset) == (message, offset)


def test_heading_line() -> None:
    h = parse_heading_line("## Use {placeholders} well {#p.x kind=hard}")
    assert h is not None and h.attrs is not None
    assert (h.level, h.title, h.attrs.id, h.attrs.values) == (
        2, "Use {placeholders} well", "p.x", {"kind": "hard"},
    )  # fmt: skip
    plain = parse_heading_line("### Closing hashes ###")
    assert plain is not None and (plain.title, plain.attrs) == ("Closing hashes", None)
    assert parse_heading_line("####### seven") is None
    assert parse_heading_line("#hashtag") is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEYS, VALUES), max_size=4, unique_by=lambda kv: kv[0]))
def test_format_then_parse(items: list[tuple[str, str]]) -> None:
    text = format_attrs([("#", "some.id"), *items])
    attrs = parse_attr_items(text[1:-1])
    assert attrs.id == "some.id"
    assert attrs.values == dict(items)
    assert "`" not in text  # fits in a backtick fence's info string


@settings(max_examples=300, deadline=None)
@given(VALUES, st.integers(1, 6))
def test_any_title_survives_a_heading(title: str, level: int) -> None:
    line = _heading(level, title, [("#", "p"), ("tier", "t")])
    assert "\n" not in line and "\r" not in line
    parsed = parse_heading_line(line)
    assert parsed is not None and parsed.attrs is not None
    assert parsed.attrs.values.get("title", parsed.title) == title


def test_quote_value() -> None:
    assert quote_value("safety") == "safety"
    assert quote_value("two words") == '"two words"'
    assert quote_value("a`b") == '"a\\u0060b"'
    assert quote_value("x\n") == '"x\\n"'
