"""``constitution fmt``: normalise constitution files, or convert them between syntaxes.

YAML files are normalised on ruamel's round-trip tree, so comments survive: keys are put
in canonical order and indentation is rewritten, nothing is regenerated. Markdown files
are re-rendered from the model, except for their front matter, which is normalised like a
YAML file (comments kept). HTML comments inside statements and descriptions stay,
and a file with comments elsewhere is refused rather than losing them. A file is validated
before it is touched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import CommentToken

from constitution._md_blocks import normalize_text, split_front_matter, top_level_blocks
from constitution.errors import ConstitutionError, ConstitutionLoadError, Diagnostic, Severity
from constitution.markdown_render import render_markdown
from constitution.markdown_syntax import parse_markdown
from constitution.model import Constitution
from constitution.yaml_syntax import load_yaml_tree, new_yaml, parse_yaml, to_yaml_tree

Syntax = Literal["yaml", "md"]
MARKDOWN_SUFFIXES = (".md", ".markdown")

DOCUMENT_ORDER = (
    "constitution", "id", "title", "version", "description", "extends", "include", "tiers",
    "lint", "metadata", "principles", "sections",
)  # fmt: skip
PRINCIPLE_ORDER = (
    "id", "title", "version", "tier", "kind", "scope", "status", "overridable", "statement",
    "rubric", "examples", "tags", "rationale", "changelog", "metadata",
)  # fmt: skip
SECTION_ORDER = ("id", "title", "description", "principles", "sections")
TIER_ORDER = ("id", "title", "description")
RUBRIC_ORDER = ("violates", "complies", "not_applicable")
EXAMPLE_ORDER = ("label", "note", "conversation")
CHANGELOG_ORDER = ("version", "note", "date")
LINT_ORDER = ("disable", "max_statement_chars")


class FormatError(ConstitutionError):
    """A file cannot be formatted or converted (e.g. an unknown suffix)."""


@dataclass(frozen=True, slots=True)
class FormatResult:
    """What ``fmt`` did to one file: ``path`` is the file written (or that would be)."""

    source: Path
    path: Path
    changed: bool
    written: bool


def syntax_of(path: Path) -> Syntax:
    return "md" if path.suffix.lower() in MARKDOWN_SUFFIXES else "yaml"


def _reorder(node: Any, order: tuple[str, ...]) -> None:
    """Put the keys of ``node`` in ``order`` (unknown keys last), keeping their comments."""
    if not isinstance(node, CommentedMap):
        return
    for key in [k for k in order if k in node] + [k for k in list(node) if k not in order]:
        node.move_to_end(key)


def _each(node: Any) -> list[Any]:
    return list(node) if isinstance(node, list) else []


def _normalise_principle(p: Any) -> None:
    _reorder(p, PRINCIPLE_ORDER)
    if not isinstance(p, dict):
        return
    _reorder(p.get("rubric"), RUBRIC_ORDER)
    for example in _each(p.get("examples")):
        _reorder(example, EXAMPLE_ORDER)
    for entry in _each(p.get("changelog")):
        _reorder(entry, CHANGELOG_ORDER)


def _normalise_section(s: Any) -> None:
    _reorder(s, SECTION_ORDER)
    if not isinstance(s, dict):
        return
    for p in _each(s.get("principles")):
        _normalise_principle(p)
    for child in _each(s.get("sections")):
        _normalise_section(child)


def _is_fragment_yaml(tree: Any) -> bool:
    return isinstance(tree, dict) and "id" not in tree


def _round_trip_tree(text: str, source: str) -> Any:
    """ruamel's round-trip tree of ``text``; YAML errors become diagnostics."""
    load_yaml_tree(text, source)  # refuse deep nesting and alias bombs before ruamel recurses
    try:
        return new_yaml().load(text) if text.strip() else None
    except YAMLError as exc:
        parse_yaml(text, source=source)  # raises the usual diagnostics with line and column
        message = f"invalid YAML: {exc}".split("\n", 1)[0]
        raise ConstitutionLoadError([Diagnostic(source, 1, 1, Severity.ERROR, message)]) from None


def format_yaml_text(text: str, *, source: str) -> str:
    """``text`` in canonical key order and indentation, with its comments kept.

    Raises :class:`ConstitutionLoadError` if the file does not validate.
    """
    tree = _round_trip_tree(text, source)
    fragment = _is_fragment_yaml(tree)
    parse_yaml(text, source=source, fragment=fragment)  # validate first: never touch bad files
    assert isinstance(tree, CommentedMap)
    _normalise_document(tree)
    return _dump_round_trip(tree)


def _normalise_document(tree: CommentedMap) -> None:
    _reorder(tree, DOCUMENT_ORDER)
    for tier in _each(tree.get("tiers")):
        _reorder(tier, TIER_ORDER)
    _reorder(tree.get("lint"), LINT_ORDER)
    for p in _each(tree.get("principles")):
        _normalise_principle(p)
    for s in _each(tree.get("sections")):
        _normalise_section(s)


def _dump_round_trip(tree: Any) -> str:
    """Dump ``tree``; then, on a re-read of the output, indent full-line comments like
    the keys around them (ruamel keeps each comment's original column)."""
    yaml = new_yaml()
    yaml.width = 4096  # never re-wrap the author's long lines
    buf = io.StringIO()
    yaml.dump(tree, buf)
    again = yaml.load(buf.getvalue())
    if not _align_comments(again):
        return buf.getvalue()
    buf = io.StringIO()
    yaml.dump(again, buf)
    return buf.getvalue()


def _align_comments(node: Any) -> bool:
    """Re-indent full-line comments between the entries of each container to the entries'
    column; True if any moved."""
    moved = False
    if isinstance(node, CommentedMap | CommentedSeq):
        col = node.lc.col or 0
        last = list(node)[-1] if isinstance(node, CommentedMap) and node else len(node) - 1
        for key, slots in node.ca.items.items():
            if key == last:  # a comment after the last entry may belong to what follows
                continue
            for slot in slots:
                for token in slot if isinstance(slot, list) else [slot]:
                    moved |= _indent_comment(token, col)
        children = node.values() if isinstance(node, CommentedMap) else node
        for child in children:
            moved |= _align_comments(child)
    return moved


def _indent_comment(token: Any, col: int) -> bool:
    if not isinstance(token, CommentToken) or "\n" not in token.value:
        return False
    first, *rest = token.value.split("\n")
    lines = [" " * col + line.lstrip(" ") if line.lstrip(" ").startswith("#") else line
             for line in rest]  # fmt: skip
    value = "\n".join([first, *lines])
    if value == token.value:
        return False
    token.value = value
    return True


def format_markdown_text(text: str, *, source: str) -> str:
    """``text`` re-rendered from the model; the front matter keeps its YAML comments.

    Raises :class:`ConstitutionLoadError` if the file does not validate, and
    :class:`FormatError` if HTML comments outside statements would be lost.
    """
    doc, fragment = parse_document(text, source=source, syntax="md")
    body = render_markdown(doc, fragment=True)
    fm = split_front_matter(normalize_text(text).split("\n"))
    tree = new_yaml().load(fm.text) if fm is not None else None
    if isinstance(tree, CommentedMap):
        _normalise_document(tree)
        new_text = f"---\n{_dump_round_trip(tree)}---\n\n{body}"
    elif fragment:
        new_text = body
    else:
        new_text = render_markdown(doc)
    _check_comments_kept(text, new_text, source)
    return new_text


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConstitutionLoadError(
            [Diagnostic(str(path), 0, 0, Severity.ERROR, f"cannot read {path}: {reason}")]
        ) from None


def parse_document(text: str, *, source: str, syntax: Syntax) -> tuple[Constitution, bool]:
    """One file's own content (``include``/``extends`` unresolved), and whether it is a fragment."""
    if syntax == "md":
        fragment = not text.lstrip("\ufeff").startswith("---")
        return parse_markdown(text, source=source, fragment=fragment), fragment
    fragment = _is_fragment_yaml(_round_trip_tree(text, source))
    return parse_yaml(text, source=source, fragment=fragment), fragment


def write_document(doc: Constitution, syntax: Syntax, *, fragment: bool = False) -> str:
    """``doc`` written in ``syntax``; a fragment keeps only its sections and principles."""
    if syntax == "md":
        return render_markdown(doc, fragment=fragment)
    tree = to_yaml_tree(doc)
    if fragment:
        for key in list(tree):
            if key not in ("constitution", "principles", "sections"):
                del tree[key]
    buf = io.StringIO()
    yaml = new_yaml()
    yaml.width = 4096
    yaml.dump(tree, buf)
    return buf.getvalue()


def _check_comments_kept(text: str, new_text: str, source: str) -> None:
    """Refuse to drop HTML comments that sit outside statements and descriptions."""
    lost = [
        b.start + 1
        for b in top_level_blocks(normalize_text(text))
        if b.kind == "comment" and b.token.content.strip() not in new_text
    ]
    if lost:
        lines = ", ".join(str(n) for n in lost)
        raise FormatError(
            f"{source}: fmt would drop the HTML comment(s) at line {lines}; move them into "
            "a statement or description (right below a heading), or delete them"
        )


def formatted_text(text: str, *, source: str, src: Syntax, to: Syntax) -> str:
    """The text ``fmt`` writes for a file of syntax ``src`` asked to become ``to``."""
    if src == to == "yaml":
        return format_yaml_text(text, source=source)
    if src == to == "md":
        return format_markdown_text(text, source=source)
    doc, fragment = parse_document(text, source=source, syntax=src)
    return write_document(doc, to, fragment=fragment)


def format_file(
    path: Path, *, to: Syntax | None = None, out: Path | None = None, check: bool = False
) -> FormatResult:
    """Normalise ``path`` in place, or convert it with ``to`` (next to it, or to ``out``).

    With ``check`` nothing is written; ``changed`` says whether the file would change.
    """
    src = syntax_of(path)
    target_syntax = to or (syntax_of(out) if out is not None else src)
    if out is not None:
        target = out
    elif target_syntax != src:
        target = path.with_suffix(".md" if target_syntax == "md" else ".yaml")
    else:
        target = path
    if out is not None and to is not None and syntax_of(out) != to:
        raise FormatError(f"--out {out} does not end in a .{to} suffix matching --to {to}")
    new_text = formatted_text(_read(path), source=str(path), src=src, to=target_syntax)
    old_text = target.read_text(encoding="utf-8") if target.is_file() else None
    changed = old_text != new_text
    if changed and not check:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(new_text, encoding="utf-8")
    return FormatResult(source=path, path=target, changed=changed, written=changed and not check)


__all__ = [
    "FormatError",
    "FormatResult",
    "format_file",
    "format_markdown_text",
    "format_yaml_text",
    "formatted_text",
    "parse_document",
    "syntax_of",
    "write_document",
]
