"""A fast, bounded YAML reader that keeps line and column of every node.

ruamel's round-trip loader keeps comments but is slow on large files; loading only
needs positions. This reads the event stream of ruamel's C parser (when
``ruamel.yaml.clib`` is installed) and builds plain dicts and lists that carry an
``lc`` attribute shaped like ruamel's, so :mod:`constitution._positions` works on both.

Building from events, without recursion, lets hostile files be refused early with a
located error: nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_ALIASES`
aliases, aliases that would add more than :data:`MAX_ALIAS_NODES` nodes (a "billion
laughs"), an alias inside its own anchor, and characters YAML does not allow.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, StreamMark
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences accepted (aliases counted expanded)."""
MAX_ALIASES = 10_000
"""Most aliases (``*name``) in one document."""
MAX_ALIAS_NODES = 100_000
"""Most nodes that aliases may add to a document once expanded."""

# YAML 1.2 core schema for plain (unquoted) scalars.
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)$|0o[0-7]+$|0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"),
                  ".nan": float("nan")}  # fmt: skip


class _LineCol:
    """Positions of a container and of its keys, values or items (0-based, like ruamel)."""

    __slots__ = ("col", "data", "line")

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col
        self.data: dict[Any, tuple[int, int, int, int]] = {}

    def key(self, k: Any) -> tuple[int, int]:
        entry = self.data[k]
        return entry[0], entry[1]

    def value(self, k: Any) -> tuple[int, int]:
        entry = self.data[k]
        return entry[2], entry[3]

    def item(self, i: int) -> tuple[int, int]:
        entry = self.data[i]
        return entry[0], entry[1]


class PositionedMap(dict[Any, Any]):
    lc: _LineCol


class PositionedList(list[Any]):
    lc: _LineCol


class DuplicateKey(MarkedYAMLError):
    """The same key twice in one mapping."""


class UnsafeYAML(MarkedYAMLError):
    """A document refused before it is built: too deep, too many aliases, a bad character."""


# Characters YAML 1.2 allows in a stream (tab, line breaks and printable text).
_DISALLOWED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _scalar(value: str, style: str | None) -> Any:
    if style:  # quoted or block scalar ('' or None means plain)
        return value
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value.replace("_", ""), 0)
    if _FLOAT.match(value):
        return float(value.replace("_", ""))
    return _SPECIAL_FLOAT.get(value.lower(), value)


def _refuse(mark: Any, problem: str) -> UnsafeYAML:
    return UnsafeYAML(problem=problem, problem_mark=mark)


class _Frame:
    """A mapping or sequence being built, and what is known of it so far."""

    __slots__ = ("anchor", "height", "is_map", "key", "key_mark", "lc", "mark", "size", "value")

    def __init__(self, event: Any, is_map: bool) -> None:
        self.mark = event.start_mark
        self.lc = _LineCol(self.mark.line, self.mark.column)
        self.value: Any = PositionedMap() if is_map else PositionedList()
        self.value.lc = self.lc
        self.is_map = is_map
        self.anchor: str | None = event.anchor
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        self.size = 1
        self.height = 1


_NO_KEY = object()


class _Builder:
    """Builds the positioned tree from parser events, one at a time, without recursion."""

    def __init__(self) -> None:
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.aliases = 0
        self.alias_nodes = 0
        self.documents = 0
        self.root: Any = None

    def feed(self, event: Any) -> None:
        kind = type(event)
        if kind is ScalarEvent:
            value = _scalar(event.value, event.style)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1, 0)
            self._attach(value, 1, 0, event.start_mark)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(self.stack) >= MAX_DEPTH:
                raise _refuse(event.start_mark, f"nested more than {MAX_DEPTH} levels deep")
            self.stack.append(_Frame(event, kind is MappingStartEvent))
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = self.stack.pop()
            if frame.anchor:
                self.anchors[frame.anchor] = (frame.value, frame.size, frame.height)
            self._attach(frame.value, frame.size, frame.height, frame.mark)
        elif kind is AliasEvent:
            self._alias(event)
        elif kind is DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise _refuse(event.start_mark, "expected a single document in the file")

    def _alias(self, event: Any) -> None:
        name = event.anchor
        mark = event.start_mark
        if any(frame.anchor == name for frame in self.stack):
            raise _refuse(mark, f"alias *{name} is inside its own anchor &{name} (recursive)")
        if name not in self.anchors:
            raise _refuse(mark, f"found undefined alias *{name}")
        value, size, height = self.anchors[name]
        self.aliases += 1
        self.alias_nodes += size
        if self.aliases > MAX_ALIASES:
            raise _refuse(mark, f"more than {MAX_ALIASES} aliases")
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _refuse(
                mark, f"aliases expand to more than {MAX_ALIAS_NODES} nodes (refused: too large)"
            )
        if len(self.stack) + height > MAX_DEPTH:
            raise _refuse(mark, f"alias *{name} nests more than {MAX_DEPTH} levels deep")
        self._attach(value, size, height, mark)

    def _attach(self, value: Any, size: int, height: int, mark: Any) -> None:
        if not self.stack:
            self.root = value
            return
        parent = self.stack[-1]
        parent.size += size
        if height >= parent.height:
            parent.height = height + 1
        if not parent.is_map:
            parent.lc.data[len(parent.value)] = (mark.line, mark.column, 0, 0)
            parent.value.append(value)
        elif parent.key is _NO_KEY:
            key = value
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            if key in parent.value:
                first = parent.lc.data[key][0] + 1
                raise DuplicateKey(
                    problem=f"duplicate key '{key}' (first defined at line {first})",
                    problem_mark=mark,
                )
            parent.key, parent.key_mark = key, mark
        else:
            key, key_mark = parent.key, parent.key_mark
            parent.lc.data[key] = (key_mark.line, key_mark.column, mark.line, mark.column)
            parent.value[key] = value
            parent.key = _NO_KEY


@cache
def _parser() -> YAML:
    return YAML(typ="safe")


def check_characters(text: str) -> None:
    """Refuse the first character YAML does not allow (a NUL byte...), at its line:column."""
    found = _DISALLOWED.search(text)
    if found is None:
        return
    position = found.start()
    line = text.count("\n", 0, position)
    column = position - (text.rfind("\n", 0, position) + 1)
    mark = StreamMark("<text>", position, line, column)
    code = f"U+{ord(found.group()):04X}"
    raise _refuse(mark, f"unacceptable character {code}: control characters are not allowed")


def load_positioned(text: str) -> Any:
    """Parse YAML text into positioned dicts/lists and plain scalars.

    Errors are ruamel's :class:`MarkedYAMLError` (with :class:`UnsafeYAML` for refused
    documents), each with the place it concerns.
    """
    check_characters(text)
    builder = _Builder()
    for event in _parser().parse(text):
        builder.feed(event)
    return builder.root


def error_place(exc: MarkedYAMLError) -> tuple[int, int, str]:
    """0-based line and column and the message of a YAML error, at the place to look.

    A quoted string or a flow collection that is never closed is reported where it opens,
    not at the end of the file where the parser noticed.
    """
    problem = exc.problem or exc.context or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    ends = "end of stream" in problem or "<stream end>" in problem
    opened = exc.context_mark
    if ends and opened is not None and exc.context:
        mark = opened
        problem = f"{problem} {exc.context} that starts here"
    elif opened is not None and exc.context and mark is not None and opened.line != mark.line:
        problem = f"{problem} ({exc.context} that starts at line {opened.line + 1})"
    if mark is None:
        return 0, 0, problem
    return mark.line, mark.column, problem
