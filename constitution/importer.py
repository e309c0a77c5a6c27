"""Import a prose Markdown spec (a policy team's document) as a :class:`Constitution`.

Rules (see ``docs/MARKDOWN.md``, "Importing prose specs"):

* A heading with an ``{#id ...}`` anchor is a principle; its known attributes (tier, kind,
  version, ...) are used and unknown ones kept in ``metadata``. Everything below it, down
  to the next heading of the same or a higher level, is its statement, kept as Markdown
  source (lists, tables, quotes, code; HTML comments dropped).
* If no heading carries an anchor, every heading without sub-headings is a principle.
* Other headings are sections (nesting gives parents); their own prose is the description.
  A lone top-level heading is the document's title, not a section.
* Headings without an anchor get a slug id, dotted below their section's id; ids are made
  valid and unique, with a warning for each change.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.error import MarkedYAMLError

from constitution._fastyaml import error_place, load_positioned
from constitution._md_attrs import Attrs, HeadingLine
from constitution._md_blocks import (
    Block,
    normalize_text,
    prose_value,
    read_heading,
    split_front_matter,
    strip_blank_edges,
    top_level_blocks,
)
from constitution._positions import to_plain
from constitution.errors import ConstitutionError, Diagnostic, Severity
from constitution.markdown_syntax import split_tags
from constitution.model import Constitution, Principle, Section, SourceLocation, Tier

KNOWN_ATTRS = ("title", "version", "tier", "kind", "scope", "status", "overridable", "tags")
_COMMENT_RE = re.compile(r"(?m)^[ \t]*<!--[\s\S]*?-->[ \t]*\n?|<!--[\s\S]*?-->")
_BLANK_RUNS_RE = re.compile(r"\n{3,}")
_DOCUMENT_FIELDS = ("id", "title", "version", "description", "tiers", "constitution")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")


class SpecImportError(ConstitutionError):
    """A spec could not be imported at all (e.g. it has no headings)."""


@dataclass(frozen=True)
class ImportResult:
    """The imported constitution and the warnings about what was changed on the way."""

    constitution: Constitution
    warnings: list[Diagnostic]


@dataclass
class _Heading:
    index: int  # position in the block list
    block: Block
    line: int
    level: int
    parsed: HeadingLine
    anchor: Attrs | None
    end: int = 0  # 0-based line where this heading's subtree ends
    children: list[_Heading] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.parsed.title

    def anchored_below(self) -> bool:
        return any(c.anchor is not None or c.anchored_below() for c in self.children)


def slugify(text: str) -> str:
    """``"1. Honesty & Truth"`` → ``"1-honesty-truth"`` (ASCII, lowercase, hyphens)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > 48:
        slug = slug[:48].rsplit("-", 1)[0] or slug[:48]
    return slug


class _Importer:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.text = normalize_text(text)
        self.lines = self.text.split("\n")
        self.warnings: list[Diagnostic] = []
        self.used: set[str] = set()
        self.sections: list[Section] = []
        self.principles: list[Principle] = []
        self.tiers: list[str] = []

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(Diagnostic(self.source, line, 1, Severity.WARNING, message))

    # ------------------------------------------------------------ structure

    def front_matter(self) -> tuple[dict[str, Any], int]:
        try:
            fm = split_front_matter(self.lines)
        except ValueError as exc:
            self.warn(1, f"{exc}; read as text")
            return {}, 0
        if fm is None:
            return {}, 0
        try:
            data = to_plain(load_positioned(fm.text))  # bounded: no alias bomb, no deep nesting
        except MarkedYAMLError as exc:  # import the prose anyway
            line, _, problem = error_place(exc)
            self.warn(fm.first_line + line, f"front matter is not valid YAML, ignored: {problem}")
            data = {}
        except Exception as exc:  # any other YAML problem: import the prose anyway
            self.warn(1, f"front matter is not valid YAML, ignored: {exc}")
            data = {}
        return (data if isinstance(data, dict) else {}), fm.end

    def headings(self, blocks: list[Block]) -> list[_Heading]:
        out: list[_Heading] = []
        for i, block in enumerate(blocks):
            if block.kind != "heading":
                continue
            parsed = read_heading(self.lines, block)
            anchor = parsed.attrs if parsed.attrs is not None and parsed.attrs.id else None
            if parsed.error is not None:
                self.warn(
                    block.start + 1,
                    f"heading attributes not understood, kept in the title: {parsed.error}",
                )
            out.append(_Heading(i, block, block.start + 1, parsed.level, parsed, anchor))
        return out

    def tree(self, headings: list[_Heading]) -> list[_Heading]:
        roots: list[_Heading] = []
        stack: list[_Heading] = []
        for h in headings:
            while stack and stack[-1].level >= h.level:
                stack.pop().end = h.block.start
            (stack[-1].children if stack else roots).append(h)
            stack.append(h)
        for h in stack:
            h.end = len(self.lines)
        return roots

    # ------------------------------------------------------------ text

    def prose(self, blocks: list[Block], starts: list[int], start: int, end: int) -> str:
        """Source text of lines ``[start, end)``, without HTML comments, trimmed."""
        out: list[str] = []
        pos = start
        for block in blocks[bisect.bisect_left(starts, start) :]:
            if block.start >= end:
                break
            out.extend(self.lines[pos : block.start])
            segment = self.lines[block.start : min(block.end, end)]
            if block.kind == "fence":
                out.extend(segment)
                pos = min(block.end, end)
                continue
            joined = "\n".join(segment)
            if "<!--" in joined:
                joined = _COMMENT_RE.sub("", joined)
            if joined.strip():
                out.extend(joined.split("\n"))
            pos = min(block.end, end)
        out.extend(self.lines[pos:end])
        lo, hi = strip_blank_edges(out, 0, len(out))
        text = _BLANK_RUNS_RE.sub("\n\n", "\n".join(out[lo:hi]))
        return prose_value(text.split("\n")) if text else ""

    # ------------------------------------------------------------ ids

    def unique(self, wanted: str, line: int) -> str:
        ident, n = wanted, 2
        while ident in self.used:
            ident, n = f"{wanted}-{n}", n + 1
        if ident != wanted:
            self.warn(line, f"id '{wanted}' is already taken; using '{ident}'")
        self.used.add(ident)
        return ident

    def anchored_id(self, h: _Heading) -> str:
        assert h.anchor is not None and h.anchor.id is not None
        raw = h.anchor.id
        ident = raw.lower()
        if not _ID_RE.match(ident):
            parts = [slugify(p) for p in ident.split(".")]
            ident = ".".join(p for p in parts if p) or f"heading-{h.line}"
        if ident != raw:
            self.warn(h.line, f"anchor '#{raw}' is not a valid id; using '{ident}'")
        return self.unique(ident, h.line)

    def slug_id(self, h: _Heading, parent: str | None) -> str:
        slug = slugify(h.title) or f"heading-{h.line}"
        return self.unique(f"{parent}.{slug}" if parent else slug, h.line)

    # ------------------------------------------------------------ building

    def principle(self, h: _Heading, ident: str, statement: str, section: str | None) -> None:
        data: dict[str, Any] = {"id": ident, "title": h.title, "section": section}
        metadata: dict[str, Any] = {}
        if h.anchor is not None:
            for key, value in h.anchor.values.items():
                if key in KNOWN_ATTRS:
                    data[key] = split_tags(value) if key == "tags" else value
                else:
                    metadata[key] = value
            classes = [c for c in h.anchor.classes if c != "principle"]
            if classes:
                metadata["classes"] = classes
        if not statement:
            self.warn(
                h.line, f"'{ident}' has no text below its heading; its title is the statement"
            )
            statement = h.title or ident
        data.update(statement=statement, metadata=metadata)
        data["source"] = SourceLocation(file=self.source, line=h.line)
        for _ in range(len(KNOWN_ATTRS) + 1):
            try:
                self.principles.append(Principle.model_validate(data))
                break
            except ValidationError as exc:
                bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]} & set(KNOWN_ATTRS)
                bad.discard("title")
                if not bad:
                    raise
                for key in sorted(bad):
                    self.warn(
                        h.line,
                        f"'{ident}': {key}={data[key]!r} is not valid here; kept in metadata",
                    )
                    metadata[key] = h.anchor.values[key] if h.anchor else data[key]
                    del data[key]
        tier = data.get("tier")
        if isinstance(tier, str) and tier not in self.tiers:
            self.tiers.append(tier)

    def node(
        self, h: _Heading, parent: str | None, anchored: bool, ctx: tuple[list[Block], list[int]]
    ) -> None:
        blocks, starts = ctx
        is_principle = (
            h.anchor is not None and not h.anchored_below() if anchored else not h.children
        )
        if is_principle:
            ident = self.anchored_id(h) if h.anchor is not None else self.slug_id(h, parent)
            self.principle(h, ident, self.prose(blocks, starts, h.block.end, h.end), parent)
            return
        if h.anchor is not None:
            ident = self.anchored_id(h)
            dropped = {k: v for k, v in h.anchor.values.items() if k != "title"}
            if dropped:
                self.warn(
                    h.line,
                    f"'{ident}' has principles below it, so it is a section; "
                    f"attributes {sorted(dropped)} dropped",
                )
        else:
            ident = self.slug_id(h, parent)
        first_child = h.children[0].block.start if h.children else h.end
        description = self.prose(blocks, starts, h.block.end, first_child) or None
        self.sections.append(
            Section(
                id=ident,
                title=h.title or ident,
                description=description,
                parent=parent,
                source=SourceLocation(file=self.source, line=h.line),
            )
        )
        for child in h.children:
            self.node(child, ident, anchored, ctx)

    def run(self, doc_id: str | None) -> Constitution:
        head, body_start = self.front_matter()
        body = "\n" * body_start + "\n".join(self.lines[body_start:])
        blocks = top_level_blocks(body)
        starts = [b.start for b in blocks]
        headings = self.headings(blocks)
        if not headings:
            raise SpecImportError(f"{self.source}: no headings found, nothing to import")
        roots = self.tree(headings)
        anchored = any(h.anchor is not None for h in headings)
        title = head.get("title")
        description = head.get("description")
        preamble = self.prose(blocks, starts, body_start, roots[0].block.start)
        if len(roots) == 1 and roots[0].anchor is None and roots[0].children:
            top = roots[0]
            title = title or top.title
            first = top.children[0].block.start
            intro = self.prose(blocks, starts, top.block.end, first)
            description = description or "\n\n".join(t for t in (preamble, intro) if t) or None
            roots = top.children
        elif preamble:
            description = description or preamble
        for h in roots:
            self.node(h, None, anchored, (blocks, starts))
        stem = re.sub(r"\.[^.]*$", "", self.source.replace("\\", "/").rsplit("/", 1)[-1])
        ident = doc_id or head.get("id") or slugify(str(title or stem)) or "imported"
        tiers = list(head.get("tiers") or [{"id": t} for t in self.tiers])
        declared = {t if isinstance(t, str) else t.get("id") for t in tiers if t}
        for tier in self.tiers:
            if tier not in declared:
                self.warn(
                    1,
                    f"tier '{tier}' is used but not in the front matter's tiers; "
                    "added with the lowest priority",
                )
                tiers.append({"id": tier})
        return Constitution.model_validate(
            {
                "id": ident,
                "title": str(title or stem),
                "version": str(head.get("version") or "0.1.0"),
                "description": description,
                "tiers": [
                    Tier.model_validate({"id": t} if isinstance(t, str) else t) for t in tiers
                ],
                "sections": self.sections,
                "principles": _canonical(self.sections, self.principles),
                "metadata": {
                    "imported_from": self.source,
                    **{k: v for k, v in head.items() if k not in _DOCUMENT_FIELDS},
                },
                "source": SourceLocation(file=self.source),
            }
        )


def _canonical(sections: list[Section], principles: list[Principle]) -> list[Principle]:
    by_section: dict[str | None, list[Principle]] = {}
    for p in principles:
        by_section.setdefault(p.section, []).append(p)
    ordered = list(by_section.get(None, []))
    for s in sections:
        ordered.extend(by_section.get(s.id, []))
    return ordered


def import_spec(text: str, *, source: str, doc_id: str | None = None) -> ImportResult:
    """Turn a prose Markdown spec into a constitution (see the module docstring for rules)."""
    importer = _Importer(text, source)
    try:
        doc = importer.run(doc_id)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        raise SpecImportError(f"{source}: cannot import: {where}: {message}") from None
    return ImportResult(doc, importer.warnings)


def import_spec_file(path: Path, *, doc_id: str | None = None) -> ImportResult:
    """Read ``path`` (UTF-8) and import it with :func:`import_spec`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SpecImportError(f"{path}: cannot read: {reason}") from None
    return import_spec(text, source=str(path), doc_id=doc_id)


__all__ = ["ImportResult", "SpecImportError", "import_spec", "import_spec_file", "slugify"]
