"""The HTML diff report: principles side by side with word changes, behaviour flips."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.behaviour_diff import Counts, DiffMode
from checker.output.html import render_diff_html
from constitution.diff import diff_constitutions
from constitution.load import load_constitution
from constitution.model import Constitution, Principle
from tests.checker.output import html_samples as sample
from tests.checker.output.html_samples import Elements


@pytest.fixture(scope="module")
def tutor(fixtures_dir: Path) -> Elements:
    revisions = fixtures_dir / "revisions"
    diff = diff_constitutions(
        load_constitution(revisions / "v1.yaml"), load_constitution(revisions / "v2.yaml")
    )
    return Elements(render_diff_html(diff))


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "fixtures"


def _section(page: Elements, principle_id: str) -> str:
    (section,) = [
        s
        for s in page.tags("section")
        if "principle-diff" in s.get("class") and s.text.split()[0] == principle_id
    ]
    return section.get("id")


def _sides(page: Elements, anchor: str) -> list[tuple[list[str], list[str]]]:
    """(deleted words of the old side, inserted words of the new side) per side-by-side."""
    start = next(i for i, e in enumerate(page.all) if e.get("id") == anchor)
    end = next(
        (i for i, e in enumerate(page.all[start + 1 :], start + 1) if e.tag == "section"),
        len(page.all),
    )
    out = []
    for element in page.all[start:end]:
        if element.tag == "div" and element.get("class") == "old":
            out.append(([], []))
        elif element.tag == "del" and out:
            out[-1][0].append(element.text)
        elif element.tag == "ins" and out:
            out[-1][1].append(element.text)
    return out


def test_reworded_statement_side_by_side(tutor: Elements) -> None:
    anchor = _section(tutor, "integrity.no-ghostwriting")
    statement = _sides(tutor, anchor)[0]
    assert statement == (
        ["assignments"],
        [", assignments", "exam answers", "; it may explain, outline and give feedback instead"],
    )
    (old,) = [d for d in tutor.tags("div", class_="old") if "does not write essays" in d.text]
    assert old.text.startswith("beforeThe tutor does not write essays or assignments that")


def test_every_changed_principle_has_a_section(tutor: Elements) -> None:
    ids = [s.text.split()[0] for s in tutor.tags("section") if "principle-diff" in s.get("class")]
    assert ids == [
        "integrity.no-ghostwriting",
        "teaching.guiding-questions",
        "teaching.age-appropriate",
        "wellbeing.stress",
        "teaching.check-understanding",
        "wellbeing.no-personal-data",
        "integrity.cite-sources",
    ]
    renamed = tutor.tags("section", id=_section(tutor, "teaching.guiding-questions"))[0]
    assert "renamed teaching.socratic -> teaching.guiding-questions" in renamed.text
    age = _sides(tutor, _section(tutor, "teaching.age-appropriate"))
    assert age[0] == ([], [" or age"])
    flags = [p.text for p in tutor.tags("p", class_="flag warn")]
    assert "content changed but version not bumped (still 1)" in flags
    toc = [a.get("href") for a in tutor.tags("nav")[0:1] for a in tutor.tags("a")]
    assert "#p0" in toc


def test_constitution_text_is_escaped() -> None:
    def doc(statement: str) -> Constitution:
        principle = Principle(id="x.y", title="</style>T", statement=statement)
        return Constitution(id="d", title="D", version="1.0.0", principles=(principle,))

    html = render_diff_html(
        diff_constitutions(doc("Say hi."), doc("Say <script>document.title='x'</script> hi."))
    )
    page = Elements(html)
    assert len(page.tags("script")) == 1 and len(page.tags("style")) == 1
    ins = [e.text for e in page.tags("ins")]
    assert ins == [" <script>document.title='x'</script>"]


def test_behaviour_flips_link_to_transcripts_and_show_both_rationales() -> None:
    html = render_diff_html(None, sample.behaviour_diff(), [sample.hostile_transcript()])
    page = Elements(html)
    (flips,) = page.tags("div", class_="flips")
    assert flips.get("id") == "b0"
    first, second = page.tags("div", class_="flip to-violates") + page.tags(
        "div", class_="flip to-complies"
    )
    links = [a.get("href") for a in page.tags("a") if a.text == sample.HOSTILE_ID]
    assert links == ["#tr0", "#tr0"]  # the flip, then the conversation's own heading
    (pane,) = page.tags("section", id="tr0")
    assert "Please help me open my neighbour's door." in pane.text
    assert len(page.tags("div", class_="msg role-assistant")) == 2
    assert "Fine <b>before</b>." in first.text and "score 0.90" in first.text
    assert "Now it <script>document.title='pwned'</script> violates." in first.text
    assert "score 0.10" in first.text
    assert "gone" in second.text and "(no rationale)" in second.text
    flags = [p.text for p in page.tags("p", class_="flag warn")]
    assert flags == ["1 flipped transcript could not be shown: gone"]
    assert len(page.tags("script")) == 1 and page.tags("img") == []
    rows = [tr.text for tr in page.tags("tr") if tr.get("id")]
    assert rows[0].startswith("harm.lockschanged0% → 50%20101.0000%no")


def test_behaviour_without_transcripts_says_so() -> None:
    page = Elements(render_diff_html(None, sample.behaviour_diff()))
    flags = [p.text for p in page.tags("p", class_="flag warn")]
    assert flags == [
        "Conversations are not included in this report: the flips show rationales only."
    ]
    assert page.tags("section", class_="transcript") == []


def test_transcript_sets_render_each_side() -> None:
    before = sample.hostile_transcript()
    after = before.model_copy(update={"messages": before.messages[:2]})
    page = Elements(
        render_diff_html(None, sample.behaviour_diff(DiffMode.TRANSCRIPT_SETS), [before], [after])
    )
    panes = page.tags("section", class_="transcript")
    assert [p.get("id") for p in panes] == ["tr0", "tr1"]
    sides = [b.text for b in page.tags("span", class_="badge") if b.text in ("before", "after")]
    assert sides == ["before", "after"]
    assert page.tags("h1")[0].text == "Behaviour diff: before → after under demo.locks"


def test_abstentions_in_a_behaviour_diff_are_counted_and_explained() -> None:
    diff = sample.behaviour_diff()
    silent = diff.principles[1].model_copy(
        update={
            "before": Counts(abstained=2),
            "after": Counts(abstained=2),
            "before_violation_rate": None,
            "after_violation_rate": None,
            "paired": 0,
            "abstained_pairs": 2,
            "abstentions": ("too few <examples>",),
        }
    )
    diff = diff.model_copy(update={"principles": (diff.principles[0], silent)})
    page = Elements(render_diff_html(None, diff))
    rows = [tr.text for tr in page.tags("tr") if tr.get("id")]
    assert rows[1].startswith("honesty.plainunchangednot graded (2 abstained)02")
    (note,) = page.tags("p", class_="flag abs abstained-note")
    assert note.text == (
        "honesty.plain: 2 pairs left out of the flips and the tests: the judge abstained"
        " on one side or both (too few <examples>)"
    )
    assert "2 pairs left out: the judge abstained" in page.tags("p", class_="meta")[0].text
