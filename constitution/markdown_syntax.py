"""The Markdown syntax: parse a Markdown constitution into the one :class:`Constitution` model.

Layout (see ``docs/MARKDOWN.md``): YAML front matter holds the document fields; a heading
``# Title {#id .section}`` opens a section; any other heading ``## Title {#id key=value}``
is a principle whose prose below is its statement, followed by fenced blocks
(```` ```rubric ````, ```` ```example label=... ````, ```` ```rationale ````,
```` ```changelog ````, ```` ```metadata ````). Every problem is collected as a
:class:`Diagnostic` with the Markdown file's line and column, then raised together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from constitution._md_attrs import AttrError, Attrs, HeadingLine, parse_attr_items
from constitution._md_blocks import (
    BLOCK_NAMES,
    Block,
    fence_info,
    normalize_text,
    prose_value,
    read_heading,
    strip_blank_edges,
    top_level_blocks,
)
from constitution._md_support import Report, front_matter_fields, load_yaml, plain, under
from constitution.errors import ConstitutionLoadError
from constitution.markdown_render import render_markdown
from constitution.model import (
    ChangelogEntry,
    Constitution,
    Example,
    Principle,
    Role,
    Rubric,
    Section,
)

PRINCIPLE_ATTRS = ("title", "version", "tier", "kind", "scope", "status", "overridable", "tags")
SECTION_ATTRS = ("title",)
_ROLE_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(.*)$")
_ROLES = {r.value for r in Role}

# ---------------------------------------------------------------- scanning


@dataclass
class _Fence:
    name: str
    rest: str
    block: Block


@dataclass
class _Node:
    """A section or principle heading and the blocks that belong to it."""

    kind: Literal["section", "principle"]
    level: int
    line: int
    heading: HeadingLine
    attrs: Attrs
    parent: str | None
    prose: tuple[int, int] = (0, 0)
    fences: list[_Fence] = field(default_factory=list)


def _classify(report: Report, heading: HeadingLine, line: int) -> Attrs | None:
    """Check a heading's attributes; return them if the heading can become a node."""
    if heading.error is not None:
        report.error(line, heading.error.offset + 1, f"bad heading attributes: {heading.error}")
        return None
    attrs = heading.attrs
    if attrs is None:
        report.error(
            line,
            1,
            f"heading '{heading.title}' has no {{#id ...}} attributes: every heading is a "
            "section ({#id .section}) or a principle ({#id key=value ...}); "
            "import prose documents with 'constitution import'",
        )
        return None
    for cls in list(attrs.classes):
        if cls not in ("section", "principle"):
            report.error(line, attrs.columns["." + cls] + 1, f"unknown class '.{cls}' on heading")
            attrs.classes.remove(cls)
    is_section = "section" in attrs.classes
    allowed = SECTION_ATTRS if is_section else PRINCIPLE_ATTRS
    for key in list(attrs.values):
        if key not in allowed:
            what = "section" if is_section else "principle"
            report.error(
                line,
                attrs.columns[key] + 1,
                f"unknown attribute '{key}' on {what} heading (allowed: {', '.join(allowed)})",
            )
            del attrs.values[key]  # reported once; the rest of the heading is still checked
    if attrs.id is None:
        report.error(line, 1, f"heading '{heading.title}' has attributes but no '#id'")
        return None
    return attrs


def _scan(report: Report, lines: list[str], blocks: list[Block]) -> list[_Node]:
    """Group the top-level blocks under the section and principle headings."""
    nodes: list[_Node] = []
    sections: list[_Node] = []
    current: _Node | None = None
    skip = False  # inside a heading that could not be read: ignore its content
    prose_start = 0
    prose_end: int | None = None
    for block in [*blocks, None]:
        if block is None or block.kind == "heading":
            if current is not None:
                end = block.start if block is not None else len(lines)
                current.prose = strip_blank_edges(lines, prose_start, prose_end or end)
            if block is None:
                break
            line = block.start + 1
            heading = read_heading(lines, block)
            if (
                current is not None
                and current.kind == "principle"
                and current.level < heading.level
            ):
                report.error(
                    line,
                    1,
                    f"heading nested below principle '{current.attrs.id}' (line {current.line}): "
                    "a principle holds no headings; use a higher heading level",
                )
            attrs = _classify(report, heading, line)
            current, skip = None, attrs is None
            while sections and sections[-1].level >= heading.level:
                sections.pop()
            if attrs is None:
                continue
            kind: Literal["section", "principle"] = (
                "section" if "section" in attrs.classes else "principle"
            )
            parent = sections[-1].attrs.id if sections else None
            current = _Node(kind, heading.level, line, heading, attrs, parent)
            nodes.append(current)
            if kind == "section":
                sections.append(current)
            prose_start, prose_end = block.end, None
            continue
        if skip:
            continue
        if current is None:
            if block.kind != "comment":
                report.error(
                    block.start + 1,
                    1,
                    "text before the first heading: put document fields in the front matter "
                    "and start each section or principle with a heading carrying {#id}",
                )
            continue
        if block.kind == "fence":
            name, rest = fence_info(block.token)
            if name in BLOCK_NAMES:
                if prose_end is None:
                    prose_end = block.start
                current.fences.append(_Fence(name, rest, block))
                continue
        if prose_end is not None and block.kind != "comment":
            report.error(
                block.start + 1,
                1,
                f"text after the fenced blocks of '{current.attrs.id}': the statement goes "
                "right below the heading, before any ```rubric or ```example block",
            )
    return nodes


# ---------------------------------------------------------------- building


def _fence_text(fence: _Fence) -> str:
    content = fence.block.token.content
    return content[:-1] if content.endswith("\n") else content


def _turns(report: Report, fence: _Fence) -> tuple[list[dict[str, Any]], list[int]]:
    """Parse ``role: text`` turns; continuation lines are indented by two spaces."""
    messages: list[dict[str, Any]] = []
    turn_lines: list[int] = []
    blank = 0
    first = fence.block.start + 2
    for offset, raw in enumerate(_fence_text(fence).split("\n")):
        line = first + offset
        if raw.startswith("  "):
            if not messages:
                report.error(line, 1, "continuation line before the first 'role: text' turn")
                continue
            messages[-1]["content"] += "\n" * (blank + 1) + raw[2:]
            blank = 0
        elif not raw.strip(" \t"):
            blank += 1
        elif m := _ROLE_RE.match(raw):
            blank = 0
            role, text = m.group(1).lower(), m.group(2)
            if role not in _ROLES:
                report.error(
                    line, 1, f"unknown role '{m.group(1)}' (use system, user, assistant or tool)"
                )
                continue
            messages.append({"role": role, "content": text.removeprefix(" ")})
            turn_lines.append(line)
        else:
            report.error(
                line,
                1,
                "expected a turn such as 'user: Hello', or a continuation line "
                "indented by two spaces",
            )
    return messages, turn_lines


def _example(report: Report, lines: list[str], fence: _Fence, owner: str) -> Example | None:
    line = fence.block.start + 1
    base = lines[fence.block.start].find(fence.rest) if fence.rest else 0
    try:
        attrs = parse_attr_items(fence.rest, base)
    except AttrError as exc:
        report.error(line, exc.offset + 1, f"bad example attributes: {exc}")
        return None
    for key in [*attrs.values, *(["#"] if attrs.id else []), *("." + c for c in attrs.classes)]:
        if key not in ("label", "note"):
            col = attrs.columns.get(key, base) + 1
            report.error(line, col, f"unknown example attribute '{key}' (allowed: label, note)")
            return None
    if "label" not in attrs.values:
        report.error(
            line, 1, f"example of '{owner}' needs a label: label=complies|violates|not_applicable"
        )
        return None
    messages, turn_lines = _turns(report, fence)
    if not messages:
        report.error(line, 1, f"example of '{owner}' has no turns such as 'user: Hello'")
        return None
    data: dict[str, Any] = {
        "label": attrs.values["label"],
        "messages": messages,
        "source": report.location(line),
    }
    if "note" in attrs.values:
        data["note"] = attrs.values["note"]

    def where(loc: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
        if loc[:1] == ("messages",) and len(loc) > 1 and isinstance(loc[1], int):
            return turn_lines[loc[1]], 1
        return line, attrs.columns.get(str(loc[0]), base) + 1 if loc else 1

    return report.validate(Example, data, where, f"example of '{owner}'")


def _yaml_model(
    report: Report, fence: _Fence, model: type[BaseModel], what: str, many: bool = False
) -> Any:
    loaded = load_yaml(report, _fence_text(fence) + "\n", fence.block.start + 2)
    if loaded is None:
        return None
    tree, where = loaded
    data = plain(tree)
    if not many:
        return report.validate(model, data, where, what)
    if not isinstance(data, list):
        report.error(*where(()), f"{what} must be a YAML list of entries")
        return None
    out = [report.validate(model, item, under(where, i), what) for i, item in enumerate(data)]
    return None if None in out else out


def _metadata(report: Report, fence: _Fence) -> dict[str, Any] | None:
    loaded = load_yaml(report, _fence_text(fence) + "\n", fence.block.start + 2)
    if loaded is None:
        return None
    tree, where = loaded
    if not isinstance(tree, dict):
        report.error(*where(()), "```metadata must hold a YAML mapping")
        return None
    return plain(tree)


def _text_blocks(
    report: Report, lines: list[str], node: _Node, name: str
) -> tuple[str | None, int]:
    """The prose (or the fenced ``name`` block) of a node, and its first line."""
    start, end = node.prose
    prose = prose_value(lines[start:end]) if end > start else None
    fenced = [f for f in node.fences if f.name == name]
    if fenced and prose is not None:
        report.error(
            fenced[0].block.start + 1, 1, f"'{node.attrs.id}' has both prose and a ```{name} block"
        )
    if fenced:
        return _fence_text(fenced[0]), fenced[0].block.start + 2
    return prose, start + 1


_SINGLE = ("statement", "description", "rubric", "rationale", "changelog", "metadata")


def _check_fences(report: Report, node: _Node, allowed: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for fence in node.fences:
        line = fence.block.start + 1
        if fence.name not in allowed:
            report.error(line, 1, f"a ```{fence.name} block does not belong to {node.kind} "
                         f"'{node.attrs.id}' (allowed: {', '.join(allowed)})")  # fmt: skip
        elif fence.name in _SINGLE and fence.name in seen:
            report.error(line, 1, f"second ```{fence.name} block in '{node.attrs.id}'")
        elif fence.name != "example" and fence.rest:
            report.error(line, 1, f"a ```{fence.name} block takes no attributes")
        seen.add(fence.name)


def _section(report: Report, lines: list[str], node: _Node) -> Section | None:
    _check_fences(report, node, ("description",))
    description, _ = _text_blocks(report, lines, node, "description")
    attrs = node.attrs
    data = {
        "id": attrs.id,
        "title": attrs.values.get("title", node.heading.title),
        "description": description,
        "parent": node.parent,
        "source": report.location(node.line),
    }

    def where(loc: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
        name = "#" if loc[:1] == ("id",) else str(loc[0]) if loc else ""
        return node.line, attrs.columns.get(name, 0) + 1

    return report.validate(Section, data, where, f"section '{attrs.id}'")


def split_tags(raw: str) -> list[str] | str:
    """``a, b`` → ``['a', 'b']``; a value starting with ``[`` is a JSON list."""
    if raw.startswith("["):
        import json

        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        return value if isinstance(value, list) else raw
    return [t.strip() for t in raw.split(",") if t.strip()]


def _principle(report: Report, lines: list[str], node: _Node) -> Principle | None:
    allowed = ("statement", "rubric", "example", "rationale", "changelog", "metadata")
    _check_fences(report, node, allowed)
    attrs = node.attrs
    what = f"principle '{attrs.id}'"
    data: dict[str, Any] = {
        "id": attrs.id,
        "title": node.heading.title,
        "section": node.parent,
        "source": report.location(node.line),
    }
    for key, raw in attrs.values.items():
        data[key] = split_tags(raw) if key == "tags" else raw
    statement, statement_line = _text_blocks(report, lines, node, "statement")
    if statement is None:
        report.error(node.line, 1, f"{what} has no statement: write its text below the heading")
    data["statement"] = statement or "-"  # placeholder: still check the rest of the heading
    examples: list[Example | None] = []
    for fence in node.fences:
        if fence.name == "example":
            examples.append(_example(report, lines, fence, str(attrs.id)))
        elif fence.name == "rubric":
            data["rubric"] = _yaml_model(report, fence, Rubric, f"rubric of '{attrs.id}'")
        elif fence.name == "rationale":
            data["rationale"] = _fence_text(fence)
        elif fence.name == "changelog":
            data["changelog"] = _yaml_model(
                report, fence, ChangelogEntry, f"changelog of '{attrs.id}'", many=True
            )
        elif fence.name == "metadata":
            data["metadata"] = _metadata(report, fence)
    failed = [k for k in ("rubric", "changelog", "metadata") if k in data and data[k] is None]
    for key in failed:
        del data[key]
    data["examples"] = [e for e in examples if e is not None]

    def where(loc: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
        name = str(loc[0]) if loc else ""
        if name == "statement":
            return statement_line, 1
        name = "#" if name == "id" else name
        return node.line, attrs.columns.get(name, 0) + 1

    principle = report.validate(Principle, data, where, what)
    return None if failed or None in examples or statement is None else principle


# ---------------------------------------------------------------- document


def _canonical(
    sections: list[Section], principles: list[Principle]
) -> tuple[list[Section], list[Principle]]:
    """Order principles as the YAML syntax does: loose ones, then section by section."""
    by_section: dict[str | None, list[Principle]] = {}
    for p in principles:
        by_section.setdefault(p.section, []).append(p)
    ordered = list(by_section.pop(None, []))
    for s in sections:
        ordered.extend(by_section.pop(s.id, []))
    for rest in by_section.values():
        ordered.extend(rest)
    return sections, ordered


def parse_markdown(text: str, *, source: str, fragment: bool = False) -> Constitution:
    """Parse one Markdown constitution (``include`` and ``extends`` are not resolved here).

    A *fragment* (a file named by another's ``include``) needs no front matter; it is
    returned inside a placeholder constitution, as :func:`parse_yaml` does.
    """
    report = Report(source)
    text = normalize_text(text)
    lines = text.split("\n")
    head, where, body_start = front_matter_fields(report, lines, fragment)
    body = "\n" * body_start + "\n".join(lines[body_start:])
    sections: list[Section] = []
    principles: list[Principle] = []
    for node in _scan(report, lines, top_level_blocks(body)):
        if node.kind == "section":
            section = _section(report, lines, node)
            if section is not None:
                sections.append(section)
        else:
            principle = _principle(report, lines, node)
            if principle is not None:
                principles.append(principle)
    sections, principles = _canonical(sections, principles)
    if fragment:
        head = {"id": "fragment", "title": source, "version": "0.0.0"}
    head.update(sections=sections, principles=principles, source=report.location(1))
    document = report.validate(Constitution, head, where, "constitution")
    if report.diagnostics or document is None:
        raise ConstitutionLoadError(sorted(report.diagnostics, key=lambda d: (d.line, d.column)))
    return document


__all__ = ["BLOCK_NAMES", "parse_markdown", "render_markdown", "split_tags"]
