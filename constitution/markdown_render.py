"""Write a :class:`Constitution` in the Markdown syntax (the inverse of ``parse_markdown``).

The output parses back to an equal constitution: text that would not survive as plain
prose (leading blanks, headings, unclosed HTML...) goes into a fenced block instead,
and fences are always longer than any backtick run they enclose.
"""

from __future__ import annotations

import io
from functools import cache, lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from constitution._md_attrs import format_attrs, parse_heading_line
from constitution._md_blocks import (
    BLOCK_NAMES,
    fence_for,
    fence_info,
    prose_value,
    strip_blank_edges,
    top_level_blocks,
)
from constitution._yaml_text import block_safe, literal
from constitution.errors import ConstitutionError
from constitution.model import Constitution, Example, Principle, Section
from constitution.yaml_syntax import new_yaml, to_yaml_tree

MAX_LEVEL = 6


def _yaml_safe(node: Any) -> Any:
    """A copy of ``node`` that ruamel writes in a form that reads back the same.

    Containers become ruamel's (keeping flow style); strings with control characters,
    NEL and friends are double-quoted, the only style in which they survive.
    """
    if isinstance(node, dict):
        out = CommentedMap((k, _yaml_safe(v)) for k, v in node.items())
        if isinstance(node, CommentedMap) and node.fa.flow_style():
            out.fa.set_flow_style()
        return out
    if isinstance(node, list | tuple):
        seq = CommentedSeq(_yaml_safe(v) for v in node)
        if isinstance(node, CommentedSeq) and node.fa.flow_style():
            seq.fa.set_flow_style()
        return seq
    if isinstance(node, str) and not all(block_safe(ch) for ch in node):
        return DoubleQuotedScalarString(node)
    return node


@cache
def _block_yaml() -> YAML:
    """One YAML writer for every fenced block (building one per block is slow)."""
    yaml = new_yaml()
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def _yaml_text(data: Any) -> str:
    buf = io.StringIO()
    _block_yaml().dump(_yaml_safe(data), buf)
    return buf.getvalue().rstrip("\n")


@lru_cache(maxsize=4096)
def fenced(name: str, content: str, info: str = "") -> str:
    """A fenced block whose content parses back exactly as ``content``."""
    fence = fence_for(content)
    return f"{fence}{name}{' ' + info if info else ''}\n{content}\n{fence}"


def prose_survives(text: str) -> bool:
    """Whether ``text`` written as plain prose below a heading reads back unchanged."""
    if not text or "\r" in text or "\0" in text:
        return False
    doc = f"# x {{#x}}\n\n{text.removesuffix(chr(10))}\n\n```rubric\n```\n"
    lines = doc.split("\n")
    blocks = top_level_blocks(doc)
    fence_line = len(lines) - 3
    if len(blocks) < 2 or blocks[0].kind != "heading" or blocks[0].start != 0:
        return False
    last = blocks[-1]
    if last.kind != "fence" or last.start != fence_line or last.token.info != "rubric":
        return False
    for block in blocks[1:-1]:
        if block.kind == "heading":
            return False
        if block.kind == "fence" and fence_info(block.token)[0] in BLOCK_NAMES:
            return False
    start, end = strip_blank_edges(lines, 1, fence_line)
    return prose_value(lines[start:end]) == text


def _text_block(name: str, text: str) -> str:
    if prose_survives(text):
        return text.removesuffix("\n")
    return fenced(name, text)


def _heading(level: int, title: str, items: list[tuple[str, str]]) -> str:
    hashes = "#" * level
    line = f"{hashes} {title} {format_attrs(items)}" if title else f"{hashes} {format_attrs(items)}"
    parsed = parse_heading_line(line)
    if (
        "\n" not in line
        and "\r" not in line
        and parsed is not None
        and parsed.attrs is not None
        and parsed.title == title
        and parsed.attrs.values.get("title") is None
    ):
        return line
    return f"{hashes} {format_attrs([*items, ('title', title)])}"


def _tags(tags: tuple[str, ...]) -> str:
    simple = all(t and t == t.strip() and "," not in t for t in tags)
    if simple and not tags[0].startswith("["):
        return ",".join(tags)
    import json

    return json.dumps(list(tags), ensure_ascii=False)


def _turns(example: Example) -> str:
    out: list[str] = []
    for message in example.messages:
        first, *rest = message.content.split("\n")
        out.append(f"{message.role.value}: {first}" if first else f"{message.role.value}:")
        out.extend("  " + line for line in rest)
    return "\n".join(out)


def _example(example: Example) -> str:
    items = [("label", example.label.value)]
    if example.note is not None:
        items.append(("note", example.note))
    return fenced("example", _turns(example), format_attrs(items)[1:-1])


def render_principle(p: Principle, level: int) -> str:
    """One principle: its heading, statement and fenced blocks."""
    items = [("#", p.id), ("version", str(p.version))]
    if p.tier is not None:
        items.append(("tier", p.tier))
    items += [("kind", p.kind.value), ("scope", p.scope.value)]
    if p.status.value != "active":
        items.append(("status", p.status.value))
    if not p.overridable:
        items.append(("overridable", "false"))
    if p.tags:
        items.append(("tags", _tags(p.tags)))
    parts = [_heading(level, p.title, items), _text_block("statement", p.statement)]
    if p.rubric is not None:
        rubric = CommentedMap(
            (k, literal(v)) for k, v in p.rubric.model_dump().items() if v is not None
        )
        parts.append(fenced("rubric", _yaml_text(rubric) if rubric else "{}"))
    parts.extend(_example(e) for e in p.examples)
    if p.rationale is not None:
        parts.append(fenced("rationale", p.rationale))
    if p.changelog:
        entries = CommentedSeq(
            CommentedMap((k, literal(v) if isinstance(v, str) else v)
                         for k, v in e.model_dump().items() if v is not None)
            for e in p.changelog
        )  # fmt: skip
        parts.append(fenced("changelog", _yaml_text(entries)))
    if p.metadata:
        parts.append(fenced("metadata", _yaml_text(p.metadata)))
    return "\n\n".join(parts)


def _section(doc: Constitution, s: Section, depth: int, parts: list[str]) -> None:
    level = depth + 1
    own = [p for p in doc.principles if p.section == s.id]
    if level > MAX_LEVEL or (own and level + 1 > MAX_LEVEL):
        raise ConstitutionError(
            f"section '{s.id}' nests too deep for Markdown headings (at most {MAX_LEVEL} levels)"
        )
    parts.append(_heading(level, s.title, [("#", s.id), (".", "section")]))
    if s.description is not None:
        parts.append(_text_block("description", s.description))
    parts.extend(render_principle(p, level + 1) for p in own)
    for child in doc.sections:
        if child.parent == s.id:
            _section(doc, child, depth + 1, parts)


def _front_matter(doc: Constitution) -> str:
    tree = to_yaml_tree(doc)
    for key in ("principles", "sections"):
        tree.pop(key, None)
    if doc.description is not None:  # exactly as written, whatever its line breaks
        tree["description"] = literal(doc.description)
    text = _yaml_text(tree)
    if text.endswith("\n..."):  # a document-end marker would close the front matter early
        text = text[: -len("\n...")]
    return f"---\n{text}\n---"


def _check_tree(doc: Constitution) -> None:
    ids = {s.id for s in doc.sections}
    for s in doc.sections:
        if s.parent is not None and s.parent not in ids:
            raise ConstitutionError(f"section '{s.id}' names unknown parent '{s.parent}'")
    reached: set[str | None] = {None}
    for _ in range(len(doc.sections)):
        reached |= {s.id for s in doc.sections if s.parent in reached}
    if len(reached) <= len(ids):
        lost = sorted(ids - {r for r in reached if r is not None})
        raise ConstitutionError(f"sections {lost} form a cycle of parents")
    for p in doc.principles:
        if p.section is not None and p.section not in ids:
            raise ConstitutionError(f"principle '{p.id}' names unknown section '{p.section}'")


def render_markdown(doc: Constitution, *, fragment: bool = False) -> str:
    """Write ``doc`` (one file's content, not a resolved constitution) as Markdown.

    A ``fragment`` (a file for another's ``include``) is written without front matter.
    """
    _check_tree(doc)
    parts: list[str] = [] if fragment else [_front_matter(doc)]
    parts.extend(render_principle(p, 1) for p in doc.principles if p.section is None)
    for s in doc.sections:
        if s.parent is None:
            _section(doc, s, 0, parts)
    return "\n\n".join(parts) + "\n"


__all__ = ["fenced", "prose_survives", "render_markdown", "render_principle"]
