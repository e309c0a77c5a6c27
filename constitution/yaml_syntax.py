"""The YAML syntax: parse one document into a :class:`Constitution`, and write one back.

Parsing collects every problem as a :class:`Diagnostic` before raising, so a user sees
all the errors of a file at once, each with its line and column.
"""

from __future__ import annotations

import io
import re
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from constitution._fastyaml import error_place, load_positioned
from constitution._positions import Path, node_position, path_position, to_plain
from constitution._yaml_text import exact_text
from constitution.checks import check_parts
from constitution.errors import ConstitutionLoadError, Diagnostic, Severity
from constitution.model import (
    Constitution,
    Example,
    LintConfig,
    Principle,
    Section,
    SourceLocation,
    Tier,
)

DOCUMENT_KEYS = (
    "constitution", "id", "title", "version", "description", "extends", "include",
    "tiers", "sections", "principles", "lint", "metadata",
)  # fmt: skip
FRAGMENT_KEYS = ("constitution", "sections", "principles")
SECTION_KEYS = ("id", "title", "description", "sections", "principles")
EXAMPLE_KEYS = ("label", "note", "conversation")


def new_yaml() -> YAML:
    """A round-trip YAML instance with the project's layout."""
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    yaml.preserve_quotes = True
    return yaml


class _Collector:
    """Accumulates diagnostics for one file."""

    def __init__(self, file: str, root: Any) -> None:
        self.file = file
        self.root = root
        self.diagnostics: list[Diagnostic] = []

    def error(self, path: Path, message: str, *, key: bool = False, code: str = "") -> None:
        pos = path_position(self.root, path, key=key) or (1, 1)
        self.diagnostics.append(
            Diagnostic(self.file, pos[0], pos[1], Severity.ERROR, message, code)
        )

    def location(self, path: Path) -> SourceLocation:
        pos = path_position(self.root, path) or (1, 1)
        return SourceLocation(file=self.file, line=pos[0], column=pos[1])

    def validate(self, model: type[BaseModel], data: dict[str, Any], path: Path, what: str) -> Any:
        """Validate ``data`` as ``model``; report each pydantic error at its YAML position."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = list(err["loc"])
                yaml_loc = _yaml_path(loc)
                field = ".".join(str(p) for p in yaml_loc)
                if err["type"] == "extra_forbidden":
                    self.error([*path, *yaml_loc], f"unknown key '{loc[-1]}' in {what}", key=True)
                elif err["type"] == "missing":
                    self.error([*path, *yaml_loc[:-1]], f"{what} is missing required key '{field}'")
                else:
                    msg = err["msg"].removeprefix("Value error, ")
                    self.error([*path, *yaml_loc], f"{what}: {field}: {msg}")
            return None


def _yaml_path(loc: list[Any]) -> list[Any]:
    # The model names example turns 'messages'; the YAML calls them 'conversation'.
    return ["conversation" if p == "messages" else p for p in loc]


def load_yaml_tree(text: str, file: str) -> Any:
    """The positioned tree of ``text``; invalid or hostile YAML raises a located error."""
    try:
        return load_positioned(text)
    except MarkedYAMLError as exc:
        line, col, problem = error_place(exc)
        msg = f"invalid YAML: {problem}"
        raise ConstitutionLoadError(
            [Diagnostic(file, line + 1, col + 1, Severity.ERROR, msg)]
        ) from None
    except YAMLError as exc:
        raise ConstitutionLoadError(
            [Diagnostic(file, 1, 1, Severity.ERROR, f"invalid YAML: {exc}")]
        ) from None


def _principle_data(c: _Collector, raw: Any, path: Path) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        c.error(path, f"a principle must be a mapping, got {type(raw).__name__}")
        return None
    data = to_plain(raw)
    for reserved in ("source", "section"):
        if reserved in data:
            c.error([*path, reserved], f"unknown key '{reserved}' in principle", key=True)
            data.pop(reserved)
    examples = raw.get("examples")
    if isinstance(examples, list):
        data["examples"] = [
            _example_data(c, ex, [*path, "examples", i]) for i, ex in enumerate(examples)
        ]
    return data


def _example_data(c: _Collector, raw: Any, path: Path) -> Any:
    if not isinstance(raw, dict):
        return to_plain(raw)
    data = to_plain(raw)
    conversation = data.pop("conversation", None)
    if conversation is None:
        c.error(path, "example is missing required key 'conversation'")
        conversation = []
    messages: list[Any] = []
    if not isinstance(conversation, list):
        c.error([*path, "conversation"], "conversation must be a list of '- role: text' turns")
    else:
        for j, turn in enumerate(conversation):
            if isinstance(turn, dict) and len(turn) == 1:
                ((role, content),) = turn.items()
                messages.append({"role": role, "content": content})
            else:
                c.error(
                    [*path, "conversation", j],
                    "each conversation turn must be one 'role: text' pair, e.g. '- user: Hello'",
                )
    data["messages"] = messages or [{"role": "user", "content": ""}]
    data["source"] = c.location(path)
    return data


def _collect_principles(
    c: _Collector, raw_list: Any, path: Path, section: str | None, out: list[Principle]
) -> None:
    if raw_list is None:
        return
    if not isinstance(raw_list, list):
        c.error(path, "'principles' must be a list")
        return
    for i, raw in enumerate(raw_list):
        p_path = [*path, i]
        data = _principle_data(c, raw, p_path)
        if data is None:
            continue
        ident = data.get("id")
        what = f"principle '{ident}'" if isinstance(ident, str) else f"principle #{i + 1}"
        data["section"] = section
        data["source"] = c.location(p_path)
        principle = c.validate(Principle, data, p_path, what)
        if principle is not None:
            out.append(principle)


def _collect_sections(
    c: _Collector,
    raw_list: Any,
    path: Path,
    parent: str | None,
    sections: list[Section],
    principles: list[Principle],
) -> None:
    if raw_list is None:
        return
    if not isinstance(raw_list, list):
        c.error(path, "'sections' must be a list")
        return
    for i, raw in enumerate(raw_list):
        s_path = [*path, i]
        if not isinstance(raw, dict):
            c.error(s_path, "a section must be a mapping with id, title and principles")
            continue
        for key in raw:
            if key not in SECTION_KEYS:
                c.error([*s_path, key], f"unknown key '{key}' in section", key=True)
        head = {k: to_plain(raw[k]) for k in ("id", "title", "description") if k in raw}
        head.update(parent=parent, source=c.location(s_path))
        section = c.validate(Section, head, s_path, f"section #{i + 1}")
        sid = section.id if section is not None else None
        if section is not None:
            sections.append(section)
        _collect_principles(c, raw.get("principles"), [*s_path, "principles"], sid, principles)
        _collect_sections(c, raw.get("sections"), [*s_path, "sections"], sid, sections, principles)


def _collect_tiers(c: _Collector, raw_list: list[Any]) -> list[Tier]:
    tiers: list[Tier] = []
    for i, raw in enumerate(raw_list):
        path: list[str | int] = ["tiers", i]
        if isinstance(raw, str):
            data: dict[str, Any] = {"id": raw}
        elif isinstance(raw, dict):
            data = to_plain(raw)
        else:
            c.error(path, "a tier must be an id or a mapping with id, title and description")
            continue
        tier = c.validate(Tier, {**data, "source": c.location(path)}, path, f"tier #{i + 1}")
        if tier is not None:
            tiers.append(tier)
    return tiers


def parse_yaml(text: str, *, source: str, fragment: bool = False) -> Constitution:
    """Parse one YAML document (``include`` and ``extends`` are not resolved here).

    A *fragment* is a file named by another's ``include``: it holds only sections and
    principles, and is returned inside a placeholder constitution.
    """
    tree = load_yaml_tree(text, source)
    c = _Collector(source, tree)
    if not isinstance(tree, dict):
        got = (
            "an empty file" if tree is None else "a list" if isinstance(tree, list) else "a scalar"
        )
        c.error([], f"expected a mapping with id, title, version and principles, got {got}")
        raise ConstitutionLoadError(c.diagnostics)
    allowed = FRAGMENT_KEYS if fragment else DOCUMENT_KEYS
    for key in tree:
        if key not in allowed:
            kind = "included file" if fragment else "constitution"
            c.error([key], f"unknown key '{key}' in {kind}", key=True)
    sections: list[Section] = []
    principles: list[Principle] = []
    _collect_principles(c, tree.get("principles"), ["principles"], None, principles)
    _collect_sections(c, tree.get("sections"), ["sections"], None, sections, principles)
    head: dict[str, Any] = {
        k: to_plain(tree[k]) for k in DOCUMENT_KEYS if k in tree and k not in {
            "constitution", "sections", "principles", "tiers", "lint",
        }
    }  # fmt: skip
    if fragment:
        head = {"id": "fragment", "title": source, "version": "0.0.0"}
    else:
        if "constitution" in tree and tree["constitution"] != 1:
            c.error(
                ["constitution"], f"unsupported format version {tree['constitution']!r}: expected 1"
            )
        tiers_raw = tree.get("tiers") or []
        if not isinstance(tiers_raw, list):
            c.error(["tiers"], "'tiers' must be a list, highest priority first")
            tiers_raw = []
        head["tiers"] = _collect_tiers(c, tiers_raw)
        if "lint" in tree:
            lint = c.validate(LintConfig, to_plain(tree["lint"]), ["lint"], "lint settings")
            head["lint"] = lint or LintConfig()
    head.update(sections=sections, principles=principles, source=c.location([]))
    document = c.validate(Constitution, head, [], "constitution")
    if c.diagnostics or document is None:
        # Report cross-object problems among the parts that did parse, so one run shows all.
        tiers = None if fragment else head.get("tiers", ())  # a fragment's are elsewhere
        c.diagnostics.extend(check_parts(tiers, sections, principles))
        raise ConstitutionLoadError(sorted(c.diagnostics, key=lambda d: (d.line, d.column)))
    return document


# ---------------------------------------------------------------- writing


_text = exact_text
_SIMPLE_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_. -]*$")


def _principle_map(p: Principle) -> CommentedMap:
    m = CommentedMap()
    m["id"] = p.id
    m["title"] = p.title
    m["version"] = p.version
    if p.tier is not None:
        m["tier"] = p.tier
    m["kind"] = p.kind.value
    m["scope"] = p.scope.value
    if p.status.value != "active":
        m["status"] = p.status.value
    if not p.overridable:
        m["overridable"] = False
    m["statement"] = _text(p.statement)
    if p.rubric is not None:
        m["rubric"] = CommentedMap(
            (k, _text(v)) for k, v in p.rubric.model_dump().items() if v is not None
        )
    if p.examples:
        m["examples"] = CommentedSeq(_example_map(e) for e in p.examples)
    if p.tags:
        simple = all(_SIMPLE_TAG.match(t) and t == t.strip() for t in p.tags)
        m["tags"] = _flow(list(p.tags)) if simple else CommentedSeq(_text(t) for t in p.tags)
    if p.rationale is not None:
        m["rationale"] = _text(p.rationale)
    if p.changelog:
        m["changelog"] = CommentedSeq(
            CommentedMap((k, v) for k, v in e.model_dump().items() if v is not None)
            for e in p.changelog
        )
    if p.metadata:
        m["metadata"] = p.metadata
    return m


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _example_map(e: Example) -> CommentedMap:
    m = CommentedMap()
    m["label"] = e.label.value
    if e.note is not None:
        m["note"] = _text(e.note)
    m["conversation"] = CommentedSeq(
        CommentedMap([(msg.role.value, _text(msg.content))]) for msg in e.messages
    )
    return m


def to_yaml_tree(doc: Constitution) -> CommentedMap:
    """The canonical YAML tree of a (single-file) constitution."""
    m = CommentedMap()
    m["constitution"] = doc.format
    m["id"] = doc.id
    m["title"] = doc.title
    m["version"] = doc.version
    if doc.description is not None:
        m["description"] = _text(doc.description)
    if doc.extends is not None:
        m["extends"] = doc.extends
    if doc.include:
        m["include"] = list(doc.include)
    if doc.tiers:
        m["tiers"] = CommentedSeq(
            CommentedMap((k, v) for k, v in t.model_dump().items() if v is not None)
            for t in doc.tiers
        )
    if doc.lint != LintConfig():
        m["lint"] = {
            "disable": _flow(list(doc.lint.disable)),
            "max_statement_chars": doc.lint.max_statement_chars,
        }
    if doc.metadata:
        m["metadata"] = doc.metadata
    loose = [_principle_map(p) for p in doc.principles if p.section is None]
    if loose:
        m["principles"] = CommentedSeq(loose)
    top = _section_maps(doc, None)
    if top:
        m["sections"] = top
    return m


def _section_maps(doc: Constitution, parent: str | None) -> CommentedSeq:
    out = CommentedSeq()
    for s in doc.sections:
        if s.parent != parent:
            continue
        sm = CommentedMap()
        sm["id"] = s.id
        sm["title"] = s.title
        if s.description is not None:
            sm["description"] = _text(s.description)
        ps = [_principle_map(p) for p in doc.principles if p.section == s.id]
        if ps:
            sm["principles"] = CommentedSeq(ps)
        children = _section_maps(doc, s.id)
        if children:
            sm["sections"] = children
        out.append(sm)
    return out


def dump_yaml(doc: Constitution) -> str:
    """Write a constitution in canonical YAML."""
    buf = io.StringIO()
    new_yaml().dump(to_yaml_tree(doc), buf)
    return buf.getvalue()


__all__ = ["dump_yaml", "load_yaml_tree", "new_yaml", "node_position", "parse_yaml", "to_yaml_tree"]
