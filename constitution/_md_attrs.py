"""Attribute lists of the Markdown syntax: ``{#id key=value key="quoted" .class}``.

Shared by the Markdown parser, its renderer and the prose-spec importer. Quoted values
use JSON string escapes (``\\"``, ``\\\\``, ``\\n``, ``\\u0060``), so any string fits on one line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BARE_RE = re.compile(r"[^\s\"'{}=]+")
_SAFE_BARE_RE = re.compile(r"[A-Za-z0-9_.:/+@-]+")
_ATX_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)")
_CLOSING_RE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")


class AttrError(ValueError):
    """A malformed attribute list; ``offset`` is the 0-based index of the problem."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass
class Attrs:
    """A parsed attribute list; ``columns`` maps ``#``, ``.name`` and keys to 0-based offsets."""

    id: str | None = None
    classes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)


def _quoted_end(text: str, start: int) -> int:
    """Index just past the closing quote of the string opening at ``start``."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote == '"':
            i += 2
            continue
        if ch == quote:
            return i + 1
        i += 1
    raise AttrError("unterminated quoted value", start)


def _decode(raw: str, offset: int) -> str:
    if raw[0] == "'":
        return raw[1:-1]
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise AttrError(f"bad escape in quoted value: {exc.msg}", offset) from None
    assert isinstance(value, str)
    return value


def parse_attr_items(text: str, base: int = 0) -> Attrs:
    """Parse space-separated ``#id``, ``.class`` and ``key=value`` items (no braces)."""
    attrs = Attrs()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch in "#.":
            m = _BARE_RE.match(text, i + 1)
            if not m:
                raise AttrError(f"expected a name after '{ch}'", base + i)
            name = m.group()
            i = m.end()
            if ch == "#":
                if attrs.id is not None:
                    raise AttrError("more than one '#id'", base + start)
                attrs.id = name
                attrs.columns["#"] = base + start
            else:
                attrs.classes.append(name)
                attrs.columns["." + name] = base + start
        else:
            m = _KEY_RE.match(text, i)
            if not m or m.end() >= n or text[m.end()] != "=":
                raise AttrError(
                    "expected '#id', '.class' or 'key=value' "
                    f"(got {text[i:].split(maxsplit=1)[0]!r})",
                    base + i,
                )
            key = m.group()
            i = m.end() + 1
            if i < n and text[i] in "\"'":
                try:
                    end = _quoted_end(text, i)
                except AttrError as exc:
                    raise AttrError(str(exc), base + exc.offset) from None
                value = _decode(text[i:end], base + i)
                i = end
            else:
                vm = _BARE_RE.match(text, i)
                if not vm:
                    raise AttrError(f"missing value for '{key}'", base + i)
                value = vm.group()
                i = vm.end()
            if key in attrs.values:
                raise AttrError(f"duplicate attribute '{key}'", base + start)
            attrs.values[key] = value
            attrs.columns[key] = base + start
        if i < n and not text[i].isspace():
            raise AttrError("expected a space between attributes", base + i)
    return attrs


@dataclass
class HeadingLine:
    """One ATX heading line split into level, title text and its attribute list."""

    level: int
    title: str
    attrs: Attrs | None
    error: AttrError | None = None


def _find_attr_block(content: str, base: int) -> tuple[int, Attrs] | AttrError | None:
    """The trailing ``{...}`` block of a heading's text, if it parses."""
    stripped = content.rstrip()
    if not stripped.endswith("}"):
        return None
    first_error: AttrError | None = None
    start = stripped.find("{")
    while start != -1:
        try:
            return start, parse_attr_items(stripped[start + 1 : -1], base + start + 1)
        except AttrError as exc:
            if first_error is None and stripped[start + 1 :].lstrip()[:1] in ("#", "."):
                first_error = exc
        start = stripped.find("{", start + 1)
    return first_error


def parse_heading_text(content: str, level: int, base: int = 0) -> HeadingLine:
    """Split a heading's text (after the ``#`` marks) into title and attributes."""
    found = _find_attr_block(content, base)
    if isinstance(found, tuple):
        start, attrs = found
        return HeadingLine(level, content[:start].strip(), attrs)
    title = _CLOSING_RE.sub("", content).strip() if content.strip("# \t") else ""
    if isinstance(found, AttrError):
        return HeadingLine(level, title, None, found)
    return HeadingLine(level, title, None)


def parse_heading_line(line: str) -> HeadingLine | None:
    """Parse an ATX heading line such as ``## Title {#id tier=safety}``."""
    m = _ATX_RE.match(line)
    if not m:
        return None
    return parse_heading_text(line[m.end() :], len(m.group(1)), m.end())


def quote_value(value: str) -> str:
    """A value as written in an attribute list: bare when safe, else a JSON string."""
    if _SAFE_BARE_RE.fullmatch(value):
        return value
    # Backticks may not appear in the info string of a backtick fence.
    return json.dumps(value, ensure_ascii=False).replace("`", "\\u0060")


def format_attrs(items: list[tuple[str, str]]) -> str:
    """Render ``[("#", id), (".", cls), (key, value), ...]`` as ``{#id .cls key=value}``."""
    parts: list[str] = []
    for key, value in items:
        if key in ("#", "."):
            parts.append(key + value)
        else:
            parts.append(f"{key}={quote_value(value)}")
    return "{" + " ".join(parts) + "}"
