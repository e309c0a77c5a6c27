"""fmt: canonical YAML keeping comments, idempotence, --check, conversions both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.errors import ConstitutionLoadError
from constitution.formatting import FormatError, format_file, format_yaml_text
from constitution.load import load_constitution
from constitution.markdown_syntax import parse_markdown
from constitution.yaml_syntax import parse_yaml

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# The hand-written constitution fixtures, which are kept in canonical form.
YAML_FIXTURES = [
    FIXTURES / name
    for name in (
        "general-assistant.yaml",
        "support-bot.yaml",
        "support/refunds.yaml",
        "revisions/v1.yaml",
        "revisions/v2.yaml",
    )
]

MESSY = """\
# Top comment: kept
version: 1.0.0   # the version
title: Messy
id: messy
constitution: 1
principles:
- statement: Be kind.   # inline comment
  id: kind
  # about the title
  title: Kindness
  examples:
  - conversation:
    - user: hi
    - assistant: hello
    label: complies
  tier: t
tiers:
    -   id: t
        title: T   # tier comment
"""

MESSY_FORMATTED = """\
# Top comment: kept
constitution: 1
id: messy
title: Messy
version: 1.0.0   # the version
tiers:
  - id: t
    title: T       # tier comment
principles:
  - id: kind
    # about the title
    title: Kindness
    tier: t
    statement: Be kind. # inline comment
    examples:
      - label: complies
        conversation:
          - user: hi
          - assistant: hello
"""


def test_messy_yaml_is_normalised_with_comments() -> None:
    assert format_yaml_text(MESSY, source="messy.yaml") == MESSY_FORMATTED


def test_formatting_is_idempotent_and_keeps_content() -> None:
    once = format_yaml_text(MESSY, source="m.yaml")
    assert format_yaml_text(once, source="m.yaml") == once
    before = parse_yaml(MESSY, source="m.yaml").model_dump()
    assert parse_yaml(once, source="m.yaml").model_dump() == before


@pytest.mark.parametrize("path", YAML_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixtures_are_already_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_yaml_text(text, source=str(path)) == text


def test_comments_survive_key_reordering() -> None:
    text = (
        "id: c  # the id\nconstitution: 1\ntitle: C\nversion: 1.0.0\n"
        "principles:\n  - statement: S\n    # about the title\n    title: T\n    id: p\n"
    )
    out = format_yaml_text(text, source="c.yaml")
    for comment in ("# the id", "# about the title"):
        assert comment in out
    assert out.index("constitution: 1") < out.index("id: c")


def test_broken_file_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\ntitle: X\nversion: 1.0.0\nprinciples:\n  - id: Bad\n", "utf-8")
    with pytest.raises(ConstitutionLoadError):
        format_file(path)
    assert path.read_text(encoding="utf-8").startswith("id: x\n")


def test_check_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "messy.yaml"
    path.write_text(MESSY, encoding="utf-8")
    result = format_file(path, check=True)
    assert (result.changed, result.written) == (True, False)
    assert path.read_text(encoding="utf-8") == MESSY
    result = format_file(path)
    assert (result.changed, result.written) == (True, True)
    assert format_file(path, check=True).changed is False


def test_convert_yaml_to_markdown_and_back(tmp_path: Path) -> None:
    src = tmp_path / "general.yaml"
    src.write_text((FIXTURES / "general-assistant.yaml").read_text("utf-8"), "utf-8")
    md = format_file(src, to="md")
    assert md.path == tmp_path / "general.md" and md.written
    original = parse_yaml(src.read_text("utf-8"), source="a")
    converted = parse_markdown(md.path.read_text("utf-8"), source="b.md")
    assert converted.model_dump() == original.model_dump()
    back = format_file(md.path, to="yaml", out=tmp_path / "back.yaml")
    again = parse_yaml(back.path.read_text("utf-8"), source="c")
    assert again.model_dump() == original.model_dump()
    # Converting again changes nothing; --check agrees.
    assert format_file(src, to="md", check=True).changed is False


def test_convert_keeps_extends_working(tmp_path: Path) -> None:
    for name in ("general-assistant.yaml", "support-bot.yaml"):
        (tmp_path / name).write_text((FIXTURES / name).read_text("utf-8"), "utf-8")
    (tmp_path / "support").mkdir()
    for frag in (FIXTURES / "support").glob("*.yaml"):
        (tmp_path / "support" / frag.name).write_text(frag.read_text("utf-8"), "utf-8")
        format_file(tmp_path / "support" / frag.name, to="md")  # fragments convert too
    format_file(tmp_path / "support-bot.yaml", to="md")
    md_bot = load_constitution(tmp_path / "support-bot.md")
    yaml_bot = load_constitution(tmp_path / "support-bot.yaml")
    assert md_bot.model_dump() == yaml_bot.model_dump()


def test_fragment_round_trip(tmp_path: Path) -> None:
    frag = next((FIXTURES / "support").glob("*.yaml"))
    path = tmp_path / frag.name
    path.write_text(frag.read_text("utf-8"), "utf-8")
    md = format_file(path, to="md")
    assert not md.path.read_text("utf-8").startswith("---")
    back = format_file(md.path, out=tmp_path / "again.yaml")
    assert "id: fragment" not in back.path.read_text("utf-8")
    a = parse_yaml(path.read_text("utf-8"), source="x", fragment=True)
    b = parse_yaml(back.path.read_text("utf-8"), source="x", fragment=True)
    assert a.model_dump() == b.model_dump()


def test_markdown_is_rerendered(tmp_path: Path) -> None:
    path = tmp_path / "c.md"
    path.write_text(
        "---\nid: c\ntitle: C\nversion: 1.0.0\n---\n## A   {#a   kind=hard}\n\nText.\n", "utf-8"
    )
    assert format_file(path).changed
    assert path.read_text("utf-8") == (
        "---\nid: c\ntitle: C\nversion: 1.0.0\n---\n\n"
        "# A {#a version=1 kind=hard scope=assistant}\n\nText.\n"
    )


def test_out_suffix_must_match_to(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(MESSY, encoding="utf-8")
    with pytest.raises(FormatError, match=r"does not end in a \.md suffix"):
        format_file(path, to="md", out=tmp_path / "x.yaml")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300) | st.sampled_from(["id: [", "a: 1\na: 2\n", "- x\n", "id: x\n\t- y"]))
def test_garbage_yaml_gives_diagnostics_only(text: str) -> None:
    try:
        format_yaml_text(text, source="g.yaml")
    except ConstitutionLoadError as exc:
        assert exc.diagnostics


def test_markdown_comments_are_never_dropped(tmp_path: Path) -> None:
    head = "---\nid: c\ntitle: C\nversion: 1.0.0\n---\n\n"
    kept = tmp_path / "kept.md"
    kept.write_text(head + "# A {#a}\n\n<!-- inside the statement -->\nText.\n", "utf-8")
    format_file(kept)
    assert "<!-- inside the statement -->" in kept.read_text("utf-8")
    lost = tmp_path / "lost.md"
    text = head + "# A {#a}\n\nText.\n\n```rationale\nWhy.\n```\n\n<!-- after the blocks -->\n"
    lost.write_text(text, "utf-8")
    with pytest.raises(FormatError, match="drop the HTML comment"):
        format_file(lost)
    assert lost.read_text("utf-8") == text


def test_markdown_front_matter_keeps_yaml_comments(tmp_path: Path) -> None:
    path = tmp_path / "c.md"
    path.write_text(
        "---\n# Owned by the policy team\nversion: 1.0.0  # bump on every change\n"
        "id: c\ntitle: C\n---\n## A   {#a}\n\nText.\n",
        "utf-8",
    )
    assert format_file(path).changed
    assert path.read_text("utf-8") == (
        "---\n# Owned by the policy team\nid: c\ntitle: C\nversion: 1.0.0  # bump on every "
        "change\n---\n\n# A {#a version=1 kind=default scope=assistant}\n\nText.\n"
    )
    assert format_file(path, check=True).changed is False
