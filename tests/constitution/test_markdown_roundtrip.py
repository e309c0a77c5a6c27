"""Property tests: any constitution survives Markdown (and YAML) writing and reading."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constitution.markdown_syntax import parse_markdown, render_markdown
from constitution.model import (
    ChangelogEntry,
    Constitution,
    Example,
    ExampleMessage,
    Kind,
    Label,
    LintConfig,
    Principle,
    Role,
    Rubric,
    Scope,
    Section,
    Status,
    Tier,
)
from constitution.yaml_syntax import dump_yaml, parse_yaml

# Pieces that stress the syntax: fences, headings, attribute braces, turn prefixes, quotes.
TRICKY = st.sampled_from(
    ["```", "````", "~~~", "`", "# ", "## x {#y}", "{#a}", "{", "}", "user: ", "  ", "\n",
     "\n\n", "<!--", "-->", "---", "\t", '"', "'", "\\", "=", "- ", "> ", "    ", "#", " ",
     "<div>", "===", "&amp;", "[x]: /y", "é", "日本", "🙂", ":", "|", "*"]
)  # fmt: skip
# Carriage returns and NUL are normalised by Markdown (documented in docs/MARKDOWN.md).
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\0")
TEXT = st.lists(st.one_of(TRICKY, st.text(CHARS, max_size=12)), max_size=6).map("".join)
IDS = st.from_regex(r"[a-z][a-z0-9-]{0,5}(\.[a-z0-9][a-z0-9_-]{0,5}){0,2}", fullmatch=True)
KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)


def _yaml_keeps(text: str) -> str:
    """The dumper's convention: multi-line text ends with exactly one newline."""
    return text.rstrip("\n") + "\n" if "\n" in text.strip() else text


# What yaml_syntax.dump_yaml keeps today (printable text, see KNOWN_YAML_LOSSES).
YAML_CHARS = st.characters(
    whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="\x85\ufeff"
)
YAML_TEXT = (
    st.lists(st.one_of(TRICKY, st.text(YAML_CHARS, max_size=12)), max_size=6)
    .map(lambda t: "".join(t).replace("\t", "    ").replace(":", ";"))
    .map(_yaml_keeps)
)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


class Texts:
    """The strategies of one kind of generated text."""

    def __init__(self, text: st.SearchStrategy[str], tag: st.SearchStrategy[str]) -> None:
        self.text = text
        self.tag = tag
        self.nonempty = text.filter(lambda t: bool(t.strip()))
        json = st.recursive(
            st.none() | st.booleans() | st.integers(-1000, 1000) | text,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
            max_leaves=6,
        )
        self.metadata = st.dictionaries(KEYS, json, max_size=3)
        message = st.builds(ExampleMessage, role=st.sampled_from(list(Role)), content=text)
        self.example = st.builds(
            Example,
            label=st.sampled_from(list(Label)),
            messages=st.lists(message, min_size=1, max_size=3).map(tuple),
            note=optional(text),
        )
        self.rubric = st.builds(
            Rubric, violates=optional(text), complies=optional(text), not_applicable=optional(text)
        )
        entry = st.builds(
            ChangelogEntry,
            version=st.integers(1, 50),
            note=text,
            date=optional(st.sampled_from(["2026-01-05", "last week", "2025-12-31T10:00:00"])),
        )
        self.changelog = st.lists(entry, max_size=2).map(tuple)


@st.composite
def principles(
    draw: st.DrawFn, t: Texts, pid: str, section: str | None, tiers: list[str]
) -> Principle:
    return Principle(
        id=pid,
        title=draw(t.text),
        statement=draw(t.nonempty),
        version=draw(st.integers(1, 99)),
        status=draw(st.sampled_from(list(Status))),
        tier=draw(optional(st.sampled_from(tiers))) if tiers else None,
        kind=draw(st.sampled_from(list(Kind))),
        scope=draw(st.sampled_from(list(Scope))),
        overridable=draw(st.booleans()),
        rubric=draw(optional(t.rubric)),
        examples=tuple(draw(st.lists(t.example, max_size=2))),
        tags=tuple(draw(st.lists(t.tag, max_size=3))),
        rationale=draw(optional(t.text)),
        changelog=draw(t.changelog),
        section=section,
        metadata=draw(t.metadata),
    )


@st.composite
def constitutions(
    draw: st.DrawFn, text: st.SearchStrategy[str] = TEXT, tag: st.SearchStrategy[str] = TEXT
) -> Constitution:
    t = Texts(text, tag)
    ids = iter(draw(st.lists(IDS, min_size=40, max_size=40, unique=True)))
    tier_ids = draw(st.lists(IDS, max_size=3, unique=True))
    tiers = [Tier(id=i, title=draw(optional(text)), description=draw(optional(text)))
             for i in tier_ids]  # fmt: skip
    sections: list[Section] = []
    by_section: dict[str | None, list[Principle]] = {}

    def add_principles(section: str | None, count: int) -> None:
        for _ in range(count):
            p = draw(principles(t, next(ids), section, tier_ids))
            by_section.setdefault(section, []).append(p)

    def add_section(parent: str | None, depth: int) -> None:
        section = Section(
            id=next(ids), title=draw(text), description=draw(optional(text)), parent=parent
        )
        sections.append(section)
        add_principles(section.id, draw(st.integers(0, 2)))
        if depth < 3:
            for _ in range(draw(st.integers(0, 2))):
                add_section(section.id, depth + 1)

    add_principles(None, draw(st.integers(0, 2)))
    for _ in range(draw(st.integers(0, 2))):
        add_section(None, 1)
    # The order both syntaxes read back: loose principles, then section by section.
    ordered = [*by_section.get(None, [])]
    for s in sections:
        ordered.extend(by_section.get(s.id, []))
    return Constitution(
        id=draw(IDS),
        title=draw(text),
        version=draw(st.sampled_from(["1.0.0", "0.3.1-rc.1", "12.0.7+build.5"])),
        description=draw(optional(text)),
        extends=draw(optional(st.sampled_from(["base.yaml", "../shared/base.md"]))),
        include=tuple(draw(st.lists(st.sampled_from(["a.yaml", "b/c.md"]), max_size=2))),
        tiers=tuple(tiers),
        sections=tuple(sections),
        principles=tuple(ordered),
        lint=draw(
            st.sampled_from(
                [LintConfig(), LintConfig(disable=("missing-examples",), max_statement_chars=900)]
            )
        ),
        metadata=draw(t.metadata),
    )


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(constitutions())
def test_markdown_round_trip(doc: Constitution) -> None:
    text = render_markdown(doc)
    again = parse_markdown(text, source="gen.md")
    assert again.model_dump() == doc.model_dump()
    assert render_markdown(again) == text


@SETTINGS
@given(constitutions(YAML_TEXT, KEYS))
def test_yaml_round_trip(doc: Constitution) -> None:
    again = parse_yaml(dump_yaml(doc), source="gen.yaml")
    assert again.model_dump() == doc.model_dump()


KNOWN_YAML_LOSSES = [
    pytest.param("line one\nline two", id="multi-line-without-final-newline"),
    pytest.param("line one\nline two\n\n", id="multi-line-with-two-final-newlines"),
    pytest.param("next\x85line", id="NEL"),
    pytest.param("bell\x07\nline\n", id="control-character-in-block"),
    pytest.param("\tindented\nline\n", id="leading-tab-in-block"),
]


@pytest.mark.parametrize("statement", KNOWN_YAML_LOSSES)
def test_yaml_keeps_statement_text(statement: str) -> None:
    doc = Constitution(
        id="d", title="D", version="1.0.0",
        principles=(Principle(id="p", title="P", statement=statement),),
    )  # fmt: skip
    again = parse_yaml(dump_yaml(doc), source="gen.yaml")
    assert again.principles[0].statement == statement


def test_yaml_keeps_tags_with_colons() -> None:
    doc = Constitution(
        id="d", title="D", version="1.0.0",
        principles=(Principle(id="p", title="P", statement="S", tags=("time:sensitive",)),),
    )  # fmt: skip
    assert parse_yaml(dump_yaml(doc), source="gen.yaml").principles[0].tags == ("time:sensitive",)


@pytest.mark.parametrize("statement", [p.values[0] for p in KNOWN_YAML_LOSSES])
def test_markdown_keeps_statement_text(statement: str) -> None:
    doc = Constitution(
        id="d", title="D", version="1.0.0",
        principles=(Principle(id="p", title="P", statement=statement),),
    )  # fmt: skip
    again = parse_markdown(render_markdown(doc), source="gen.md")
    assert again.principles[0].statement == statement


@settings(max_examples=200, deadline=None)
@given(st.text(CHARS, max_size=400) | TEXT)
def test_garbage_never_raises_anything_but_load_errors(text: str) -> None:
    from constitution.errors import ConstitutionLoadError

    for candidate in (text, "---\nid: a\ntitle: b\nversion: 1.0.0\n---\n" + text):
        try:
            parse_markdown(candidate, source="fuzz.md")
        except ConstitutionLoadError as exc:
            assert exc.diagnostics


@pytest.mark.parametrize("description", ["```\n\n", "a\n\n\n", "x\n"])
def test_kept_trailing_newlines_in_front_matter(description: str) -> None:
    """A ``|+`` block ends the YAML with ``...``, which must not close the front matter early."""
    doc = Constitution(format=1, id="a", title="", version="1.0.0", description=description)
    text = render_markdown(doc)
    assert "\n...\n" not in text
    assert parse_markdown(text, source="gen.md").description == description
