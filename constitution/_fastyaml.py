"""A fast YAML reader that keeps line and column of every node.

ruamel's round-trip loader keeps comments but is slow on large files; loading only
needs positions. This composes the node graph with ruamel's C parser (when
``ruamel.yaml.clib`` is installed) and builds plain dicts and lists that carry an
``lc`` attribute shaped like ruamel's, so :mod:`constitution._positions` works on both.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

# YAML 1.2 core schema for plain (unquoted) scalars.
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)$|0o[0-7]+$|0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"),
                  ".nan": float("nan")}  # fmt: skip


class _PlainResolver(VersionedResolver):
    """Tags nothing implicitly: :func:`_scalar` resolves plain scalars itself, much faster."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        return (
            self.DEFAULT_SCALAR_TAG
            if kind is ScalarNode
            else super().resolve(kind, value, implicit)
        )


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


def _scalar(node: ScalarNode) -> Any:
    value: str = node.value
    if node.style:  # quoted or block scalar ('' or None means plain)
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


def _build(node: Node) -> Any:
    if isinstance(node, ScalarNode):
        return _scalar(node)
    lc = _LineCol(node.start_mark.line, node.start_mark.column)
    if isinstance(node, SequenceNode):
        seq = PositionedList()
        seq.lc = lc
        for i, child in enumerate(node.value):
            lc.data[i] = (child.start_mark.line, child.start_mark.column, 0, 0)
            seq.append(_build(child))
        return seq
    if isinstance(node, MappingNode):
        mapping = PositionedMap()
        mapping.lc = lc
        for key_node, value_node in node.value:
            key = _build(key_node)
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            if key in mapping:
                first = lc.data[key][0] + 1
                raise DuplicateKey(
                    problem=f"duplicate key '{key}' (first defined at line {first})",
                    problem_mark=key_node.start_mark,
                )
            lc.data[key] = (
                key_node.start_mark.line,
                key_node.start_mark.column,
                value_node.start_mark.line,
                value_node.start_mark.column,
            )
            mapping[key] = _build(value_node)
        return mapping
    return None


@cache
def _composer() -> YAML:
    yaml = YAML(typ="safe")
    yaml.Resolver = _PlainResolver
    return yaml


def load_positioned(text: str) -> Any:
    """Parse YAML text into positioned dicts/lists and plain scalars (errors: ruamel's)."""
    node = _composer().compose(text)
    return None if node is None else _build(node)
