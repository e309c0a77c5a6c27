"""Loading the bundled fixtures: resolution of extends and include, source locations."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from constitution.errors import ConstitutionLoadError
from constitution.load import load_constitution, parse_constitution
from constitution.model import Kind, Scope

ALL_YAML = sorted(
    p
    for p in (Path(__file__).resolve().parents[2] / "fixtures").rglob("*.yaml")
    if "support/" not in p.as_posix()
    and "transcripts" not in p.as_posix()
    and not p.name.endswith("scenarios.yaml")  # audit scenario files (tests/checker/audit)
)


@pytest.mark.parametrize("path", ALL_YAML, ids=lambda p: p.name)
def test_every_fixture_loads(path: Path) -> None:
    doc = load_constitution(path)
    assert doc.principles


def test_general_assistant(fixtures_dir: Path) -> None:
    doc = load_constitution(fixtures_dir / "general-assistant.yaml")
    assert len(doc.principles) == 16
    assert [t.id for t in doc.tiers] == ["safety", "ethics", "guidelines", "helpfulness"]
    oversight = doc.principle("safety.oversight")
    assert oversight.kind is Kind.HARD
    assert oversight.scope is Scope.CONVERSATION
    assert not oversight.overridable
    assert oversight.source is not None
    assert (oversight.source.line, oversight.source.column) == (27, 9)
    assert oversight.examples[0].messages[0].content.startswith("We are going")
    assert doc.tier_rank("safety") == 0 and doc.tier_rank("helpfulness") == 3


def test_support_bot_extends_and_includes(fixtures_dir: Path) -> None:
    doc = load_constitution(fixtures_dir / "support-bot.yaml")
    ids = [p.id for p in doc.principles]
    assert len(ids) == 18 and len(set(ids)) == 18
    direct = doc.principle("helpful.direct-answers")
    assert direct.title == "Short, direct answers"
    assert direct.section == "support"
    assert direct.source is not None and direct.source.file.endswith("support-bot.yaml")
    refund = doc.principle("support.refund-policy")
    assert refund.source is not None and refund.source.file.endswith("refunds.yaml")
    assert doc.tiers[0].id == "safety"  # inherited from the base


def test_objects_are_immutable(fixtures_dir: Path) -> None:
    doc = load_constitution(fixtures_dir / "general-assistant.yaml")
    with pytest.raises(ValidationError):
        doc.principles[0].statement = "changed"  # type: ignore[misc]


def test_content_hash_ignores_source_and_bookkeeping(fixtures_dir: Path) -> None:
    p = load_constitution(fixtures_dir / "general-assistant.yaml").principles[0]
    moved = p.model_copy(update={"source": None, "rationale": "other", "version": 9})
    assert moved.content_hash() == p.content_hash()
    reworded = p.model_copy(update={"statement": p.statement + " Always."})
    assert reworded.content_hash() != p.content_hash()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_garbage_never_tracebacks(text: str) -> None:
    try:
        parse_constitution(text, source="fuzz.yaml")
    except ConstitutionLoadError as exc:
        assert exc.diagnostics
        assert all(str(d).startswith("fuzz.yaml") for d in exc.diagnostics)


_yamlish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "id",
        "title",
        "version",
        "statement",
        "tier",
        "kind",
        "principles",
        "sections",
        "tiers",
        "examples",
        "rubric",
        "label",
        "conversation",
        "extends",
        "include",
        "scope",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _yamlish, max_size=8))
def test_structured_garbage_never_tracebacks(data: dict[str, object]) -> None:
    import json

    data.pop("extends", None)
    data.pop("include", None)
    try:
        parse_constitution(json.dumps(data), source="fuzz.yaml")
    except ConstitutionLoadError as exc:
        assert exc.diagnostics
