"""Importing prose Markdown specs: principles, sections, slugs, statements, metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.importer import SpecImportError, import_spec, slugify
from constitution.markdown_syntax import parse_markdown, render_markdown
from constitution.model import Kind, Scope
from constitution.yaml_syntax import dump_yaml, parse_yaml

SPECS = Path(__file__).resolve().parents[2] / "fixtures" / "specs"


def load(name: str) -> tuple:
    path = SPECS / name
    result = import_spec(path.read_text(encoding="utf-8"), source=name)
    return result.constitution, [str(w) for w in result.warnings]


def test_fixture_spec_structure() -> None:
    doc, warnings = load("assistant-spec.md")
    assert warnings == []
    assert (doc.id, doc.title, doc.version) == (
        "assistant-spec", "Assistant behaviour spec", "1.0.0",
    )  # fmt: skip
    assert [t.id for t in doc.tiers] == ["safety", "honesty", "helpfulness"]
    assert doc.metadata == {"imported_from": "assistant-spec.md", "owner": "policy-team"}
    assert doc.description == (
        "This document is the policy team's working description of how the assistant behaves.\n"
        "It was written for this project as a sample prose spec; it copies no published policy.\n"
    )
    assert [(s.id, s.parent) for s in doc.sections] == [
        ("safety", None), ("honesty", None), ("helpfulness", None), ("appendix-glossary", None),
    ]  # fmt: skip
    assert [(p.id, p.section) for p in doc.principles] == [
        ("safety.mass-harm", "safety"),
        ("safety.crisis", "safety"),
        ("safety.oversight", "safety"),
        ("honesty.sources", "honesty"),
        ("honesty.calibration", "honesty"),
        ("honesty.identity", "honesty"),
        ("helpful.direct", "helpfulness"),
        ("helpful.code", "helpfulness"),
        ("helpful.tool-scope", "helpfulness"),
    ]


def test_fixture_spec_attributes_and_metadata() -> None:
    doc, _ = load("assistant-spec.md")
    harm = doc.principle("safety.mass-harm")
    assert (harm.tier, harm.kind, harm.title) == (
        "safety", Kind.HARD, "No help with weapons that can kill many people",
    )  # fmt: skip
    assert harm.metadata == {"owner": "trust", "reviewed": "2026-03-01"}
    assert doc.principle("safety.oversight").overridable is False
    assert doc.principle("safety.crisis").scope is Scope.CONVERSATION
    assert doc.principle("helpful.tool-scope").scope is Scope.TOOL_CALLS
    assert doc.principle("helpful.direct").tags == ("style", "brevity")


def test_statements_keep_markdown_and_drop_comments() -> None:
    doc, _ = load("assistant-spec.md")
    harm = doc.principle("safety.mass-harm").statement
    assert harm == (
        "The assistant gives no specific, actionable help toward weapons able to cause mass\n"
        "casualties. This covers:\n\n"
        "- synthesis routes, quantities and sources for dangerous agents;\n"
        "- ways to spread or deliver them;\n"
        '  - including "hypothetical" or fictional framings that carry the same detail;\n'
        "  - and requests split across several harmless-looking questions.\n\n"
        "General science at textbook level stays fine.\n"
    )
    crisis = doc.principle("safety.crisis").statement
    assert "> A reply that only lists a hotline number" in crisis
    assert "| Direct statement of intent | Stay engaged, share resources |" in crisis
    code = doc.principle("helpful.code").statement
    assert '```python\ndef greet(name: str) -> str:\n    return f"Hello, {name}!"\n```' in code
    # A sub-heading without an anchor stays inside its principle's statement.
    assert "#### Why this matters" in doc.principle("honesty.sources").statement
    assert all("<!--" not in p.statement for p in doc.principles)


@pytest.mark.parametrize("name", ["assistant-spec.md", "assistant-spec-v2.md"])
def test_import_converts_losslessly(name: str) -> None:
    doc, _ = load(name)
    md = parse_markdown(render_markdown(doc), source="x.md")
    assert md.model_dump() == doc.model_dump()
    yaml = parse_yaml(dump_yaml(doc), source="x.yaml")
    assert yaml.model_dump() == doc.model_dump()


def test_second_revision_differs_as_documented() -> None:
    v1, _ = load("assistant-spec.md")
    v2, _ = load("assistant-spec-v2.md")
    ids1 = {p.id for p in v1.principles}
    ids2 = {p.id for p in v2.principles}
    assert ids1 - ids2 == {"honesty.calibration", "honesty.identity"}
    assert ids2 - ids1 == {"honesty.uncertainty", "honesty.no-flattery"}
    assert v2.principle("helpful.tool-scope").tier == "safety"
    assert v2.principle("safety.crisis").version == 2
    assert v2.principle("helpful.direct").title == "Leads with the answer"
    assert (
        v1.principle("honesty.calibration").statement
        == v2.principle("honesty.uncertainty").statement
    )


def test_headings_without_anchors_become_slugged_principles() -> None:
    text = (
        "# Support rules\n\nIntro.\n\n## Tone & Style\n\n### Be polite\n\nAlways.\n\n"
        "### Be polite\n\nStill.\n\n## Refunds\n\nFollow the policy.\n"
    )
    result = import_spec(text, source="docs/support.md")
    doc = result.constitution
    assert (doc.id, doc.title, doc.description) == ("support-rules", "Support rules", "Intro.")
    assert [s.id for s in doc.sections] == ["tone-style"]
    assert [(p.id, p.statement) for p in doc.principles] == [
        ("refunds", "Follow the policy."),
        ("tone-style.be-polite", "Always."),
        ("tone-style.be-polite-2", "Still."),
    ]
    assert [str(w) for w in result.warnings] == [
        "docs/support.md:11:1: warning: id 'tone-style.be-polite' is already taken; "
        "using 'tone-style.be-polite-2'"
    ]


def test_bad_anchors_and_values_become_warnings() -> None:
    text = (
        "# Spec\n\n## Rule A {#Rules.A kind=sometimes team=x .pinned}\n\nDo A.\n\n"
        "## Rule B {#rules.b}\n\n<!-- only a comment -->\n"
    )
    result = import_spec(text, source="s.md")
    a, b = result.constitution.principles
    assert a.id == "rules.a"
    assert a.metadata == {"team": "x", "classes": ["pinned"], "kind": "sometimes"}
    assert b.statement == "Rule B"
    assert [str(w) for w in result.warnings] == [
        "s.md:3:1: warning: anchor '#Rules.A' is not a valid id; using 'rules.a'",
        "s.md:3:1: warning: 'rules.a': kind='sometimes' is not valid here; kept in metadata",
        "s.md:7:1: warning: 'rules.b' has no text below its heading; its title is the statement",
    ]


def test_anchored_heading_with_anchored_children_is_a_section() -> None:
    text = "## Safety {#safety tier=safety}\n\nAbout safety.\n\n### A {#safety.a}\n\nDo A.\n"
    result = import_spec(text, source="s.md")
    doc = result.constitution
    assert [(s.id, s.description) for s in doc.sections] == [("safety", "About safety.")]
    assert [p.id for p in doc.principles] == ["safety.a"]
    assert [str(w) for w in result.warnings] == [
        "s.md:1:1: warning: 'safety' has principles below it, so it is a section; "
        "attributes ['tier'] dropped"
    ]


def test_no_headings_is_an_error() -> None:
    with pytest.raises(SpecImportError, match="no headings found"):
        import_spec("Just a paragraph.\n", source="p.md")


@pytest.mark.parametrize(
    ("title", "slug"),
    [("1. Honesty & Truth", "1-honesty-truth"), ("Ünïcödé  títle", "unicode-title"), ("!!!", "")],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(["# A", "## B {#b", "### C {#c kind=x}", "text", "```", "<!--", "-->",
                         "- item", "> quote", "| a |", "---", "", "#### {#Ü}", "## {#}"]),
        max_size=25,
    ).map("\n".join)
    | st.text(max_size=300)
)  # fmt: skip
def test_garbage_specs_import_or_fail_cleanly(text: str) -> None:
    try:
        result = import_spec(text, source="g.md")
    except SpecImportError:
        return
    doc = result.constitution
    assert parse_markdown(render_markdown(doc), source="g.md").model_dump() == doc.model_dump()


def test_undeclared_tier_is_added_with_a_warning() -> None:
    text = (
        "---\ntiers: [safety]\n---\n# Spec\n\n"
        "## A {#a tier=safety}\n\nA.\n\n## B {#b tier=style}\n\nB.\n"
    )
    result = import_spec(text, source="t.md")
    assert [t.id for t in result.constitution.tiers] == ["safety", "style"]
    assert [str(w) for w in result.warnings] == [
        "t.md:1:1: warning: tier 'style' is used but not in the front matter's tiers; "
        "added with the lowest priority"
    ]


def test_bad_document_id_is_a_clear_error() -> None:
    with pytest.raises(SpecImportError, match=r"cannot import: id: bad id 'Not Valid'"):
        import_spec("# T\n\n## A {#a}\n\nA.\n", source="t.md", doc_id="Not Valid")
