"""Markdown and JSON rendering of text and behaviour diffs."""

from __future__ import annotations

import json

from checker.behaviour_diff import (
    BehaviourDiff,
    Counts,
    DiffMode,
    Flip,
    Noise,
    PrincipleBehaviour,
    PrincipleStatus,
    Side,
)
from checker.diff_output import render_diff_json, render_diff_markdown
from checker.verdict import Outcome
from constitution.diff import diff_constitutions
from constitution.model import Constitution, Principle


def _doc(version: str, *principles: Principle) -> Constitution:
    return Constitution(id="d", title="D", version=version, principles=principles)


def test_text_markdown_exact() -> None:
    old = _doc("1.0.0", Principle(id="a.x", title="X", statement="Be kind | fair."))
    new = _doc("1.1.0", Principle(id="a.x", title="X", statement="Be kind | fair <always>."))
    md = render_diff_markdown(diff_constitutions(old, new))
    assert md == (
        "## Constitution diff: `d` 1.0.0 → `d` 1.1.0\n"
        "\n"
        "1 → 1 principles · 3 changes: 1 document version, 1 reworded, 1 version not bumped\n"
        "\n"
        "> :warning: Content changed but version not bumped: `a.x`\n"
        "\n"
        "### Document\n"
        "\n"
        "- version 1.0.0 → 1.1.0\n"
        "\n"
        "### Principles\n"
        "\n"
        "#### :pencil2: `a.x`\n"
        "\n"
        "- **statement reworded:** Be kind | fair<ins> &lt;always></ins>.\n"
        "- :warning: **content changed but version not bumped (still 1)**\n"
    )


def _behaviour() -> BehaviourDiff:
    side = {"constitution_id": "d", "transcripts": 3, "run_id": 1, "cache_hits": 0}
    return BehaviourDiff(
        mode=DiffMode.REVISIONS,
        judge="stub",
        model="m",
        prompt_version="p1",
        before=Side(label="before", constitution_version="1.0.0", calls=6, **side),
        after=Side(label="after", constitution_version="1.1.0", calls=3, **side),
        noise_samples=2,
        noise_calls=6,
        principles=(
            PrincipleBehaviour(
                principle_id="a.x",
                status=PrincipleStatus.CHANGED,
                before=Counts(complies=3),
                after=Counts(complies=2, violates=1),
                before_violation_rate=0.0,
                after_violation_rate=1 / 3,
                paired=3,
                to_violates=1,
                outcome_changes=1,
                flips=(
                    Flip(
                        before_transcript="t1",
                        after_transcript="t1",
                        before=Outcome.COMPLIES,
                        after=Outcome.VIOLATES,
                        before_rationale="fine",
                        after_rationale="quotes | pipes",
                        after_excerpt="Sure: 1 | 2",
                    ),
                ),
                p_value=1.0,
                noise=Noise(regradings=6, disagreements=0),
                noise_p_value=0.0,
                beyond_noise=False,
            ),
        ),
    )


def test_behaviour_markdown_table_and_flips() -> None:
    md = render_diff_markdown(None, _behaviour())
    lines = md.splitlines()
    assert lines[0] == "## Behaviour diff: 3 transcripts, `d` 1.0.0 → 1.1.0"
    assert "| `a.x` | changed | 0% → 33% | 1 | 3 | 0 | 1 | 0 | 1.000 | 0% | no |" in lines
    assert "| t1 | Sure: 1 \\| 2 | complies | violates | fine | quotes \\| pipes |" in lines
    assert "<details><summary><code>a.x</code>: 1 flip</summary>" in lines


def test_json_document() -> None:
    data = json.loads(render_diff_json(None, _behaviour()))
    assert data["schema_version"] == 1 and data["text"] is None
    row = data["behaviour"]["principles"][0]
    assert row["flips"][0]["after"] == "violates"
    assert row["noise"] == {"regradings": 6, "disagreements": 0}


def test_markdown_is_cut_to_fit_a_comment() -> None:
    old = _doc("1.0.0")
    new = _doc(
        "2.0.0",
        *(Principle(id=f"a.p{i}", title=f"T{i}", statement="x " * 50) for i in range(200)),
    )
    full = render_diff_markdown(diff_constitutions(old, new), max_chars=None)
    cut = render_diff_markdown(diff_constitutions(old, new), max_chars=2000)
    assert len(full) > 2000 >= len(cut)
    assert cut.endswith("`--format json` has every change._\n")
    assert full.startswith(cut.split("\n_Truncated")[0].rstrip())
