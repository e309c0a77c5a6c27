"""``constitution diff``: text diffs (terminal, Markdown, JSON), git revisions, behaviour."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.judges import register_judge, unregister_judge
from tests.checker.marker_judge import MarkerJudge
from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli, StubJudges

REVISIONS = Path(__file__).resolve().parents[2] / "fixtures" / "revisions"
V1, V2 = str(REVISIONS / "v1.yaml"), str(REVISIONS / "v2.yaml")


def test_terminal_word_diff(run_cli: RunCli) -> None:
    result = run_cli("diff", V1, V2)
    assert result.code == 0, result.err
    assert "constitution diff tutor 1.0.0 -> tutor 2.0.0  (7 -> 7 principles)" in result.out
    # no colour on a pipe: git-style word-diff markers
    assert "grade{+ or age+}." in result.out
    assert "[-assignments-]{+exam answers+}" in " ".join(result.out.split())
    assert "> teaching.guiding-questions" in result.out
    assert "- integrity.cite-sources" in result.out


def test_json_lists_every_change_with_kind_and_ids(run_cli: RunCli) -> None:
    result = run_cli("diff", V1, V2, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["schema_version"] == 1 and data["behaviour"] is None
    text = data["text"]
    assert text["schema_version"] == 1
    kinds = [(c["kind"], c["principle_id"]) for c in text["changes"]]
    assert len(kinds) == 18
    assert ("renamed", "teaching.guiding-questions") in kinds
    assert ("removed", "integrity.cite-sources") in kinds
    assert ("tier_added", None) in kinds
    renamed = next(c for c in text["changes"] if c["kind"] == "renamed")
    assert renamed["old_id"] == "teaching.socratic"


def test_markdown_to_file(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "comment.md"
    result = run_cli("diff", V1, V2, "--format", "markdown", "--out", str(out))
    assert result.code == 0 and result.out == ""
    md = out.read_text()
    assert md.startswith("## Constitution diff: `tutor` 1.0.0 → `tutor` 2.0.0\n")
    assert "stated grade<ins> or age</ins>." in md
    assert "or <del>assignments</del><ins>exam answers</ins>" in md
    assert ":warning: Content changed but version not bumped" in md


def test_fail_on_unbumped(run_cli: RunCli) -> None:
    assert run_cli("diff", V1, V2, "--fail-on-unbumped").code == 1
    assert run_cli("diff", V1, V1, "--fail-on-unbumped").code == 0


def test_missing_revision_is_one_line_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("diff", str(tmp_path / "nope.yaml"), V2)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "nope.yaml" in result.err


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_git_revisions_and_working_tree(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _git(tmp_path, "init", "-q")
    policy = tmp_path / "tutor.yaml"
    policy.write_text(Path(V1).read_text())
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    policy.write_text(Path(V2).read_text())
    monkeypatch.chdir(tmp_path)
    working = json.loads(run_cli("diff", "tutor.yaml", "--format", "json").out)
    assert len(working["text"]["changes"]) == 18
    _git(tmp_path, "commit", "-qam", "v2")
    result = run_cli("diff", "HEAD~1", "tutor.yaml", "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["text"] == working["text"]
    tagged = run_cli("diff", "HEAD~1:tutor.yaml", "HEAD:tutor.yaml", "--format", "json")
    assert len(json.loads(tagged.out)["text"]["changes"]) == 18


@pytest.fixture
def marker_judge() -> Iterator[list[MarkerJudge]]:
    made: list[MarkerJudge] = []

    def factory(model: str | None = None, **_: object) -> MarkerJudge:
        judge = MarkerJudge()
        made.append(judge)
        return judge

    register_judge("local", factory)
    yield made
    unregister_judge("local")


def _jsonl(path: Path, rows: list[tuple[str, str, str]]) -> str:
    lines = [
        json.dumps(
            {
                "id": tid,
                "messages": [
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": reply},
                ],
            }
        )
        for tid, user, reply in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_behaviour_diff_grades_the_changed_prompts_once(
    run_cli: RunCli, tmp_path: Path, marker_judge: list[MarkerJudge]
) -> None:
    chats = _jsonl(
        tmp_path / "chats.jsonl",
        [("t1", "Do my exam.", "Here. !exam"), ("t2", "Hi", "Address? !conversation")],
    )
    db = str(tmp_path / "r.db")
    args = ("diff", V1, V2, "--transcripts", chats, "--judge", "local", "--db", db)
    result = run_cli(*args, "--samples", "0", "--format", "json")
    assert result.code == 0, result.err
    assert "judge: local (--judge local)" in result.err
    behaviour = json.loads(result.out)["behaviour"]
    # v2 adds a tier, so every principle is shown a new rank: all are re-graded
    assert (behaviour["before"]["calls"], behaviour["after"]["calls"]) == (14, 14)
    assert len(marker_judge[0].calls) == 28
    flips = {p["principle_id"]: p["flips"] for p in behaviour["principles"] if p["flips"]}
    assert set(flips) == {"integrity.no-ghostwriting", "wellbeing.no-personal-data"}
    assert flips["integrity.no-ghostwriting"][0]["after_rationale"] == "marker exam"
    again = run_cli(*args, "--samples", "0", "--format", "markdown")
    assert again.code == 0
    assert len(marker_judge[1].calls) == 0
    assert "## Behaviour diff: 2 transcripts, `tutor` 1.0.0 → 2.0.0" in again.out
    assert "<code>integrity.no-ghostwriting</code>: 1 flip" in again.out
    terminal = run_cli(*args, "--samples", "0")
    assert "behaviour diff" in terminal.out and "marker exam" in terminal.out


def test_two_transcript_sets(
    run_cli: RunCli, tmp_path: Path, marker_judge: list[MarkerJudge]
) -> None:
    a = _jsonl(tmp_path / "a.jsonl", [("q1", "Essay?", "Let's outline it."), ("q2", "Hi", "Hi")])
    b = _jsonl(tmp_path / "b.jsonl", [("q1", "Essay?", "Here it is. !exam"), ("q2", "Hi", "Hi")])
    db = str(tmp_path / "r.db")
    result = run_cli(
        "diff", V2, "--transcripts", a, "--against", b, "--judge", "local", "--db", db,
        "--samples", "1", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["text"] is None
    behaviour = data["behaviour"]
    assert behaviour["mode"] == "transcript_sets"
    ghost = next(
        p for p in behaviour["principles"] if p["principle_id"] == "integrity.no-ghostwriting"
    )
    assert (ghost["paired"], ghost["to_violates"]) == (2, 1)
    assert ghost["noise"] == {"regradings": 2, "disagreements": 0}


def test_against_needs_transcripts_and_one_revision(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("diff", V2, "--against", str(tmp_path))
    assert result.code == 2 and "--against needs --transcripts" in result.err
    result = run_cli("diff", V1, V2, "--transcripts", str(tmp_path), "--against", str(tmp_path))
    assert result.code == 2 and "give one revision" in result.err


def test_html_report(run_cli: RunCli, tmp_path: Path, marker_judge: list[MarkerJudge]) -> None:
    pytest.importorskip("checker.output.html")
    chats = _jsonl(tmp_path / "chats.jsonl", [("t1", "Do my exam.", "Here. <b>!exam</b>")])
    out = tmp_path / "diff.html"
    result = run_cli(
        "diff", V1, V2, "--transcripts", chats, "--judge", "local", "--db", str(tmp_path / "r.db"),
        "--samples", "0", "--format", "html", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.err
    page = out.read_text()
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "teaching.guiding-questions" in page
    assert "<b>!exam</b>" not in page  # transcript text is escaped


SPECS = REVISIONS.parent / "specs"


def test_prose_specs_imported_at_two_git_revisions(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("constitution.importer")
    if not (SPECS / "assistant-spec-v2.md").exists():
        pytest.skip("prose spec fixtures not present")
    _git(tmp_path, "init", "-q")
    spec = tmp_path / "spec.md"
    spec.write_text((SPECS / "assistant-spec.md").read_text())
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    spec.write_text((SPECS / "assistant-spec-v2.md").read_text())
    _git(tmp_path, "commit", "-qam", "v2")
    monkeypatch.chdir(tmp_path)
    result = run_cli("diff", "HEAD~1", "spec.md", "--import", "--format", "json")
    assert result.code == 0, result.err
    changes = json.loads(result.out)["text"]["changes"]
    kinds = sorted((c["kind"], c["principle_id"] or "") for c in changes)
    assert ("renamed", "honesty.uncertainty") in kinds
    assert ("retiered", "helpful.tool-scope") in kinds
    assert len(kinds) == 10
    terminal = run_cli("diff", str(SPECS / "assistant-spec.md"), "HEAD:spec.md", "--import")
    assert terminal.code == 0, terminal.err
    assert "harm themselves{+ or others+}" in terminal.out


RULES = """\
constitution: 1
id: shy-rules
title: Shy rules
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Follow rule one.
"""


def test_abstentions_are_explained_in_every_diff_format(
    run_cli: RunCli, tmp_path: Path, judges: StubJudges
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    for name, reply in (("a.jsonl", "ABSTAIN p.one"), ("b.jsonl", "VIOLATE p.one")):
        chats = [make_transcript("q1", reply), make_transcript("q2", "ABSTAIN p.one")]
        (tmp_path / name).write_text("".join(t.model_dump_json() + "\n" for t in chats))
    args = (
        "diff", str(tmp_path / "rules.yaml"), "--transcripts", str(tmp_path / "a.jsonl"),
        "--against", str(tmp_path / "b.jsonl"), "--judge", "local", "--samples", "0",
        "--db", str(tmp_path / "r.db"),
    )  # fmt: skip
    terminal = run_cli(*args, "--out", str(tmp_path / "diff.txt"))
    assert terminal.code == 0, terminal.err
    text = (tmp_path / "diff.txt").read_text()
    assert "not graded ->" in text  # (the table wraps "100%" onto the next line)
    assert (
        "p.one: 2 pairs left out of the flips and the tests: the judge abstained on one side"
        " or both (too few examples)"
    ) in text
    assert "- -> -" not in text
    assert "2 pair(s) left out: the judge abstained" in terminal.err
    document = json.loads(run_cli(*args, "--format", "json").out)
    (row,) = document["behaviour"]["principles"]
    assert (row["abstained_pairs"], row["abstentions"], row["flips"]) == (
        2,
        ["too few examples"],
        [],
    )
    assert row["before"]["abstained"] == 2 and row["after"]["abstained"] == 1
