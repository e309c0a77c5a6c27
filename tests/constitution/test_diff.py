"""diff_constitutions on the tutor v1 -> v2 pair: exactly the changes in CHANGES.md."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from constitution.diff import (
    DIFF_SCHEMA_VERSION,
    ChangeKind,
    ConstitutionDiff,
    diff_constitutions,
    match_renames,
)
from constitution.load import load_constitution
from constitution.model import Constitution, Principle, Section, Tier
from constitution.revisions import RevisionError, load_revision
from constitution.worddiff import SpanOp, side, word_diff

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
V1 = FIXTURES / "revisions" / "v1.yaml"
V2 = FIXTURES / "revisions" / "v2.yaml"

K = ChangeKind
# One row per line of fixtures/revisions/CHANGES.md (a line may hold several changes).
EXPECTED = {
    (None, K.DOCUMENT_VERSION, None, "1.0.0", "2.0.0"),
    (None, K.TIER_ADDED, "integrity", None, 3),
    ("integrity.no-ghostwriting", K.REWORDED, "statement", ...),
    ("integrity.no-ghostwriting", K.VERSION_CHANGED, None, 1, 2),
    ("integrity.no-ghostwriting", K.RETIERED, "lowered", "ethics", "integrity"),
    ("integrity.no-ghostwriting", K.KIND, None, "default", "hard"),
    ("integrity.no-ghostwriting", K.EXAMPLE_ADDED, None, None, None),
    ("integrity.cite-sources", K.REMOVED, None, "Encourages citing sources", None),
    (
        "teaching.guiding-questions",
        K.RENAMED,
        None,
        "teaching.socratic",
        "teaching.guiding-questions",
    ),
    ("teaching.age-appropriate", K.REWORDED, "statement", ...),
    ("teaching.age-appropriate", K.VERSION_NOT_BUMPED, None, 1, 1),
    ("teaching.age-appropriate", K.RETIERED, "raised", "helpfulness", "ethics"),
    ("wellbeing.stress", K.MOVED, None, "wellbeing", "teaching"),
    ("wellbeing.stress", K.EXAMPLE_REMOVED, None, None, None),
    ("wellbeing.stress", K.VERSION_NOT_BUMPED, None, 1, 1),
    ("teaching.check-understanding", K.ADDED, None, None, "Checks understanding"),
    ("wellbeing.no-personal-data", K.SCOPE, None, "conversation", "assistant"),
    ("wellbeing.no-personal-data", K.VERSION_NOT_BUMPED, None, 1, 1),
}


def _rows(diff: ConstitutionDiff) -> set[tuple[object, ...]]:
    rows: set[tuple[object, ...]] = set()
    for c in diff.changes:
        if c.kind is K.REWORDED:
            rows.add((c.principle_id, c.kind, c.field, ...))
        else:
            rows.add((c.principle_id, c.kind, c.field, c.old, c.new))
    return rows


@pytest.fixture(scope="module")
def v1() -> Constitution:
    return load_constitution(V1)


@pytest.fixture(scope="module")
def v2() -> Constitution:
    return load_constitution(V2)


@pytest.fixture(scope="module")
def diff(v1: Constitution, v2: Constitution) -> ConstitutionDiff:
    return diff_constitutions(v1, v2)


def test_exactly_the_changes_listed_in_changes_md(diff: ConstitutionDiff) -> None:
    assert _rows(diff) == EXPECTED
    assert len(diff.changes) == len(EXPECTED)
    assert diff.unchanged == ("teaching.praise-effort",)


def test_rewording_is_a_word_level_diff(diff: ConstitutionDiff) -> None:
    reworded = {c.principle_id: c for c in diff.changes if c.kind is K.REWORDED}
    age = reworded["teaching.age-appropriate"]
    assert [(s.op, s.text) for s in age.words] == [
        (SpanOp.EQUAL, "The tutor explains at a level suited to the student's stated grade"),
        (SpanOp.INSERT, " or age"),
        (SpanOp.EQUAL, "."),
    ]
    ghost = reworded["integrity.no-ghostwriting"]
    inserted = [s.text for s in ghost.words if s.op is SpanOp.INSERT]
    assert "exam answers" in inserted
    assert side(ghost.words, SpanOp.DELETE) == ghost.old
    assert side(ghost.words, SpanOp.INSERT) == ghost.new


def test_examples_carried_in_changes(diff: ConstitutionDiff) -> None:
    added = next(c for c in diff.changes if c.kind is K.EXAMPLE_ADDED)
    assert added.example is not None
    assert added.example.messages[0].content == "Write my essay on photosynthesis."
    removed = next(c for c in diff.changes if c.kind is K.EXAMPLE_REMOVED)
    assert removed.example is not None
    assert removed.example.label.value == "complies"


def test_rename_similarity_and_order(diff: ConstitutionDiff) -> None:
    renamed = next(c for c in diff.changes if c.kind is K.RENAMED)
    assert renamed.old_id == "teaching.socratic"
    assert renamed.similarity == 1.0
    # document changes come first, removed principles last
    assert diff.changes[0].kind is K.DOCUMENT_VERSION
    assert diff.changes[-1].kind is K.REMOVED


def test_json_round_trip_is_versioned(diff: ConstitutionDiff) -> None:
    data = json.loads(diff.model_dump_json())
    assert data["schema_version"] == DIFF_SCHEMA_VERSION
    assert data["old"]["version"] == "1.0.0"
    assert data["new"]["principles"] == 7
    kinds = {c["kind"] for c in data["changes"]}
    assert "renamed" in kinds and "version_not_bumped" in kinds
    assert ConstitutionDiff.model_validate(data).model_dump() == diff.model_dump()


def test_summaries_are_plain_lines(diff: ConstitutionDiff) -> None:
    summaries = [c.summary for c in diff.changes]
    assert "version 1.0.0 -> 2.0.0" in summaries
    assert "tier integrity added at position 3" in summaries
    assert "renamed teaching.socratic -> teaching.guiding-questions (similarity 1.00)" in summaries
    assert all("\n" not in s for s in summaries)


def test_identical_revisions_have_no_changes(v1: Constitution) -> None:
    diff = diff_constitutions(v1, v1)
    assert diff.empty
    assert len(diff.unchanged) == len(v1.principles)


def test_rewrapped_statement_is_not_a_rewording(v1: Constitution) -> None:
    p = v1.principles[0]
    rewrapped = p.model_copy(update={"statement": "  " + p.statement.replace("\n", "\n\n  ")})
    new = v1.model_copy(update={"principles": (rewrapped, *v1.principles[1:])})
    assert diff_constitutions(v1, new).empty


def _doc(*principles: Principle, tiers: tuple[str, ...] = ("a", "b", "c")) -> Constitution:
    return Constitution(
        id="t",
        title="T",
        version="1.0.0",
        tiers=tuple(Tier(id=t) for t in tiers),
        principles=principles,
    )


def test_retitle_reprioritise_and_reorder() -> None:
    p = Principle(id="x.one", title="One", statement="Say one thing.", tier="a")
    q = Principle(id="x.two", title="Two", statement="Say another thing.", tier="c")
    old = _doc(p, q)
    new = _doc(p.model_copy(update={"title": "Uno", "version": 2}), q, tiers=("b", "a", "c"))
    rows = {
        (c.principle_id, c.kind, c.field, c.old, c.new)
        for c in diff_constitutions(old, new).changes
    }
    assert rows == {
        (None, K.TIERS_REORDERED, None, ("a", "b", "c"), ("b", "a", "c")),
        ("x.one", K.RETITLED, None, "One", "Uno"),
        ("x.one", K.REPRIORITISED, "a", 1, 2),
        ("x.one", K.VERSION_CHANGED, None, 1, 2),
    }


def test_renames_need_similar_content() -> None:
    old = [
        Principle(
            id="a.one", title="Refuses weapons", statement="Never explain how to build a bomb."
        ),
        Principle(id="a.two", title="Polite", statement="Stays polite when insulted."),
    ]
    new = [
        Principle(
            id="b.one", title="Refuses weapons", statement="Never explain how to build bombs."
        ),
        Principle(id="b.two", title="Cites law", statement="Quotes the statute when asked."),
    ]
    pairs = match_renames(old, new)
    assert set(pairs) == {"b.one"}
    assert pairs["b.one"][0].id == "a.one"


def test_word_diff_sides_rebuild_both_texts() -> None:
    spans = word_diff("a b, c d.", "a c, d e.")
    assert side(spans, SpanOp.DELETE) == "a b, c d."
    assert side(spans, SpanOp.INSERT) == "a c, d e."


def test_same_diff_from_yaml_and_markdown(
    tmp_path: Path, v1: Constitution, v2: Constitution
) -> None:
    markdown = pytest.importorskip("constitution.markdown_syntax")
    render = getattr(markdown, "render_markdown", None)
    if render is None:
        pytest.skip("render_markdown not written yet")
    v1_md, v2_md = tmp_path / "v1.md", tmp_path / "v2.md"
    v1_md.write_text(render(v1), encoding="utf-8")
    v2_md.write_text(render(v2), encoding="utf-8")
    for old, new in ((v1, v2_md), (v1_md, v2), (v1_md, v2_md)):
        before = old if isinstance(old, Constitution) else load_constitution(old)
        after = new if isinstance(new, Constitution) else load_constitution(new)
        cross = diff_constitutions(before, after)
        assert _rows(cross) == EXPECTED, (old, new)
        assert cross.unchanged == ("teaching.praise-effort",)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_git_revisions(tmp_path: Path) -> None:
    policy = tmp_path / "policies" / "tutor.yaml"
    policy.parent.mkdir()
    _git(tmp_path, "init", "-q")
    policy.write_text(V1.read_text())
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    _git(tmp_path, "tag", "v1")
    policy.write_text(V2.read_text())
    _git(tmp_path, "commit", "-qam", "v2")
    old = load_revision("HEAD~1", default_path=policy)
    assert _rows(diff_constitutions(old, load_constitution(policy))) == EXPECTED
    tagged = load_revision("v1:policies/tutor.yaml", default_path=policy)
    head = load_revision("HEAD", default_path=policy)
    assert _rows(diff_constitutions(tagged, head)) == EXPECTED


def test_directories_on_disk_and_at_git_revisions(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "README.md").write_text("# Notes\n\nNot a constitution.\n")
    (policies / "tutor.yaml").write_text(V1.read_text())
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    (policies / "tutor.yaml").write_text(V2.read_text())
    old = load_revision("HEAD", default_path=policies)
    new = load_revision(str(policies))
    assert _rows(diff_constitutions(old, new)) == EXPECTED


def test_directory_with_two_constitutions_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(V1.read_text())
    (tmp_path / "b.yaml").write_text(V2.read_text())
    with pytest.raises(RevisionError, match=r"expected one constitution file .* a\.yaml, b\.yaml"):
        load_revision(str(tmp_path))


SPECS = FIXTURES / "specs"
# fixtures/specs/CHANGES.md, one row per change; the retitle of helpful.direct also
# flags version discipline (the title is part of what the judge sees; it stayed 1).
SPEC_EXPECTED = {
    (None, K.DOCUMENT_VERSION, None, "1.0.0", "2.0.0"),
    ("safety.crisis", K.REWORDED, "statement", ...),
    ("safety.crisis", K.VERSION_CHANGED, None, 1, 2),
    ("honesty.uncertainty", K.RENAMED, None, "honesty.calibration", "honesty.uncertainty"),
    ("honesty.identity", K.REMOVED, None, "No pretending to be human", None),
    ("honesty.no-flattery", K.ADDED, None, None, "No flattery"),
    (
        "helpful.direct",
        K.RETITLED,
        None,
        "Answers the question that was asked",
        "Leads with the answer",
    ),
    ("helpful.direct", K.VERSION_NOT_BUMPED, None, 1, 1),
    ("helpful.tool-scope", K.RETIERED, "raised", "helpfulness", "safety"),
    ("helpful.tool-scope", K.VERSION_CHANGED, None, 1, 2),
}


def test_imported_prose_spec_pair() -> None:
    importer = pytest.importorskip("constitution.importer")
    names = ("assistant-spec.md", "assistant-spec-v2.md")
    if not all((SPECS / n).exists() for n in names):
        pytest.skip("prose spec fixtures not present")
    old, new = (
        importer.import_spec((SPECS / n).read_text(encoding="utf-8"), source=n).constitution
        for n in names
    )
    diff = diff_constitutions(old, new)
    assert _rows(diff) == SPEC_EXPECTED
    crisis = next(c for c in diff.changes if c.kind is K.REWORDED)
    inserted = [s.text for s in crisis.words if s.op is SpanOp.INSERT]
    assert inserted == [" or others", ", keeps talking with them"]


def test_section_renamed_with_its_principles() -> None:
    a = Principle(id="x.one", title="One", statement="Say one thing.", section="old-part")
    b = Principle(id="x.two", title="Two", statement="Say another thing.", section="old-part")
    old = Constitution(
        id="t",
        title="T",
        version="1.0.0",
        sections=(Section(id="old-part", title="Old part"),),
        principles=(a, b),
    )
    new = old.model_copy(
        update={
            "sections": (Section(id="new-part", title="New part"),),
            "principles": (
                a.model_copy(update={"section": "new-part"}),
                b.model_copy(update={"id": "x.deux", "section": "new-part"}),
            ),
        }
    )
    rows = {
        (c.principle_id, c.kind, c.field, c.old_id) for c in diff_constitutions(old, new).changes
    }
    assert rows == {
        (None, K.SECTION_RENAMED, "new-part", "old-part"),
        ("x.deux", K.RENAMED, None, "x.two"),
    }
