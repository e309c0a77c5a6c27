"""Scalar styles that make written YAML read back exactly the text it was given."""

from __future__ import annotations

import io
from functools import cache

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from constitution._fastyaml import load_positioned


@cache
def _check_yaml() -> YAML:
    yaml = YAML()
    yaml.width = 100
    return yaml


def block_safe(ch: str) -> bool:
    """Whether YAML can carry ``ch`` unescaped in a literal block (no breaks but ``\\n``)."""
    o = ord(ch)
    return (
        ch in "\t\n"
        or 0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or (
            ((0xE000 <= o <= 0xFFFD and ch != "\ufeff") or o >= 0x10000)
            and ch not in "\u2028\u2029"
        )
    )


def literal(value: str) -> str:
    """Multi-line text as a ``|`` block where that reads back exactly, else double-quoted."""
    if all(block_safe(ch) for ch in value):
        block = LiteralScalarString(value)
        buf = io.StringIO()
        _check_yaml().dump({"k": block}, buf)
        try:
            # Read back with the loader that will read the file (the C parser).
            if load_positioned(buf.getvalue())["k"] == value:
                return block
        except YAMLError:  # ruamel writes some blocks it cannot read (a leading tab)
            pass
    return DoubleQuotedScalarString(value)


def exact_text(value: str) -> str:
    """``value`` styled to survive a YAML round trip: block, quoted or plain."""
    if "\n" in value:
        return literal(value)
    if value != value.strip() or not all(block_safe(ch) for ch in value):
        return DoubleQuotedScalarString(value)
    return value
