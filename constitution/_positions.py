"""Map paths inside a ruamel.yaml round-trip tree to 1-based (line, column)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constitution._fastyaml import PositionedList, PositionedMap

Path = Sequence[str | int]


def node_position(node: Any) -> tuple[int, int] | None:
    """The 1-based position where a mapping or sequence node starts, if known."""
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None
    return lc.line + 1, lc.col + 1


def path_position(root: Any, path: Path, *, key: bool = False) -> tuple[int, int] | None:
    """Position of the value at ``path`` below ``root`` (of its key when ``key``).

    Walks as deep as the tree allows and falls back to the deepest known node.
    """
    best = node_position(root)
    node = root
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and step in node:
                if lc is not None:
                    line, col = lc.key(step) if (key and last) else lc.value(step)
                    best = (line + 1, col + 1)
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                if lc is not None:
                    line, col = lc.item(step)
                    best = (line + 1, col + 1)
                node = node[step]
            else:
                break
        except (KeyError, IndexError, TypeError, AttributeError):
            break
        inner = node_position(node)
        if inner is not None and not (key and last):
            best = inner if isinstance(node, dict | list) else best
    return best


def to_plain(node: Any) -> Any:
    """A ruamel tree as plain dicts, lists and scalars (strings lose their style).

    Trees from :mod:`constitution._fastyaml` already hold plain scalars: a shallow copy
    of the top container is enough (and much faster on large files).
    """
    if isinstance(node, PositionedMap):
        return dict(node)
    if isinstance(node, PositionedList):
        return list(node)
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node
