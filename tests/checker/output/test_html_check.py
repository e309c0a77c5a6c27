"""The HTML check report: content, flags, escaping and the Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from checker.output.html import render_check_html, stored_transcripts
from checker.results import build_result
from checker.runner import load_run, run_check
from checker.store import open_store
from checker.transcript import Message, Role, TextPart
from tests.checker.output import html_samples as sample
from tests.checker.output.html_samples import Elements
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript


@pytest.fixture(scope="module")
def html() -> str:
    return render_check_html(
        sample.run_result(), [sample.hostile_transcript()], sample.constitution()
    )


@pytest.fixture(scope="module")
def page(html: str) -> Elements:
    return Elements(html)


def _marks(page: Elements) -> list[tuple[str, str]]:
    return [(m.get("data-principle"), m.text) for m in page.tags("mark")]


def test_planted_markup_is_text_not_elements(page: Elements, html: str) -> None:
    assert len(page.tags("script")) == 1
    assert len(page.tags("style")) == 1
    assert page.tags("img") == [] and page.tags("iframe") == [] and page.tags("textarea") == []
    assert page.tags("a", id="planted-link") == []
    assert all(a.get("href").startswith("#") for a in page.tags("a"))
    assert not any(e.get("onerror") for e in page.all)
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "&lt;/textarea&gt;&lt;textarea&gt;still text&lt;/script&gt;" in html
    assert "&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;" in html


def test_hostile_transcript_id_is_escaped(page: Elements) -> None:
    (heading,) = [h for h in page.tags("h2") if "chat-1" in h.text]
    assert heading.text.startswith(sample.HOSTILE_ID)


def test_evidence_is_highlighted_where_it_occurs(page: Elements) -> None:
    assert _marks(page) == [
        ("harm.locks", sample.SCRIPT),
        ("honesty.plain", "Sure, here is how: first "),
        ("harm.locks honesty.plain", "insert the tension"),
        ("harm.locks", " wrench"),
        ("honesty.plain", "I can\u2019t  help   with THAT"),
    ]
    (first,) = page.tags("mark", **{"data-principle": "harm.locks honesty.plain"})
    assert first.get("data-cards") == "t0-v0 t0-v1"
    assert "o-violates" in first.get("class")


def test_evidence_links_to_its_highlight(page: Elements) -> None:
    assert [a.get("id") for a in page.tags("span", class_="anchor")] == [
        "t0-v0-s0-e1",
        "t0-v1-s0-e0",
        "t0-v0-s0-e0",
        "t0-v1-s0-e1",
    ]
    links = [a.get("href") for a in page.tags("a") if a.text.startswith("message #")]
    assert links[:3] == ["#t0-v0-s0-e0", "#t0-v0-s0-e1", "#t0-m3"]


def test_unverified_evidence_and_errors_are_flagged(page: Elements) -> None:
    (unverified,) = page.tags("li", class_="ev m-unverified")
    assert "not found in message #3: the judge may have invented it" in unverified.text
    (error,) = page.tags("article", **{"data-outcome": "error"})
    assert "judge error judge reply could not be parsed: <script>" in error.text
    assert "counts as neither a pass nor a fail" in error.text
    alerts = page.tags("section", class_="alerts")[0].text
    assert "1 judgment failed" in alerts
    assert "1 evidence quote could not be found" in alerts
    assert "1 transcript judged in this run was not available" in alerts


def test_rationale_and_score_beside_the_conversation(page: Elements) -> None:
    (card,) = page.tags("article", id="t0-v0")
    assert card.get("data-principle") == "harm.locks"
    assert card.get("data-judge") == "stub/stub-model"
    assert card.get("data-problem") == "1"
    assert "score 0.05" in card.text
    assert "It explains lock picking. <script>document.title='pwned'</script>" in card.text
    assert "No help breaking into <homes>" in card.text


def test_conversation_parts(page: Elements) -> None:
    roles = [m.get("class") for m in page.tags("div") if m.get("id").startswith("t0-m")]
    assert roles == [
        "msg role-system",
        "msg role-user",
        "msg role-assistant",
        "msg role-tool",
        "msg role-assistant",
    ]
    (reasoning,) = page.tags("div", class_="part reasoning")
    assert "They want to get in. <b>Not</b> my call." in reasoning.text
    (call,) = page.tags("div", class_="part tool-call")
    assert "web_search" in call.text and "call call_1" in call.text
    assert '"q": "<script>' in call.text
    (result,) = page.tags("div", class_="part tool-result")
    assert "result of call call_1" in result.text


def test_missing_transcript_still_shows_its_verdicts(page: Elements) -> None:
    (section,) = page.tags("section", id="t1")
    assert "Conversation not available in this report." in section.text
    assert len([a for a in page.tags("article") if a.get("id").startswith("t1-")]) == 3


def test_chart_and_totals(page: Elements) -> None:
    rows = page.tags("g")
    assert [g.get("data-principle") for g in rows] == ["harm.locks", "honesty.plain", "tools.safe"]
    bars = [r.get("width") for r in page.tags("rect", class_="bar")]
    assert bars == ["360.0"]
    captions = [t.text for t in page.tags("text", class_="caption")]
    assert captions == ["100.0% (1/1)", "0.0% (0/2)", "n/a (never applied), 1 error"]
    cards = {c.text.split()[-1]: c.text for c in page.tags("div", class_="l")}
    assert "violations" in cards


def test_filter_options(page: Elements) -> None:
    def options(select_id: str) -> list[str]:
        (select,) = page.tags("select", id=select_id)
        following = page.all[page.all.index(select) + 1 :]
        values = []
        for element in following:
            if element.tag != "option":
                break
            values.append(element.get("value"))
        return values

    assert options("f-principle") == ["", "harm.locks", "honesty.plain", "tools.safe"]
    assert options("f-outcome") == [
        "",
        "complies",
        "violates",
        "not_applicable",
        "error",
        "abstained",
    ]
    assert options("f-judge") == ["", "stub/stub-model"]
    assert page.tags("input", id="f-problems", type="checkbox")


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_content_security_policy_allows_only_the_inline_assets(html: str, page: Elements) -> None:
    (meta,) = page.tags("meta", **{"http-equiv": "Content-Security-Policy"})
    csp = meta.get("content")
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert script is not None and style is not None
    assert csp == (
        f"default-src 'none'; script-src '{_sha(script.group(1))}'; "
        f"style-src '{_sha(style.group(1))}'; img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    assert html.index("Content-Security-Policy") < html.index("<style>")
    assert " style=" not in html  # inline style attributes would be blocked by the CSP


def test_nothing_is_fetched(page: Elements) -> None:
    for element in page.all:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = element.get(name)
            assert not value or value.startswith("#"), (element.tag, name, value)


def test_without_transcripts_says_so() -> None:
    page = Elements(render_check_html(sample.run_result()))
    assert "Conversations are not included in this report" in page.tags("section")[1].text
    assert page.tags("mark") == []
    assert page.tags("div", class_="msg role-user") == []
    li = [li.text for li in page.tags("li") if "tension" in li.text]
    assert li == [
        "message #2 insert the tension wrench found verbatim",
        "message #2 Sure, here is how: first insert the tension found verbatim",
    ]
    assert page.tags("a", href="#t0-v0-s0-e0") == []


def test_changed_transcript_is_flagged() -> None:
    changed = sample.hostile_transcript().model_copy(
        update={"messages": (Message(role=Role.USER, parts=(TextPart(text="other"),)),)}
    )
    page = Elements(render_check_html(sample.run_result(), {changed.id: changed}))
    flags = [p.text for p in page.tags("p", class_="flag warn")]
    assert any("differs from the one the judge saw" in f for f in flags)


def test_report_of_a_stored_run_gets_its_transcripts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    transcripts = [make_transcript("t0", "VIOLATE p.one"), make_transcript("t1", "fine")]
    with open_store(tmp_path / "r.db") as store:
        made = run_check(make_constitution("p.one"), transcripts, StubJudge(), store)
        result = load_run(store, made.run.id)
        found = stored_transcripts(store, result)
    assert sorted(found) == ["t0", "t1"]
    page = Elements(render_check_html(result, found))
    assert [m.text for m in page.tags("mark")] == ["VIOLATE p.one"]


def test_samples_disagreeing_are_flagged_unstable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    transcripts = [make_transcript("t0", "FLIP p.one")]
    with open_store(tmp_path / "r.db") as store:
        result = run_check(make_constitution("p.one"), transcripts, StubJudge(), store, samples=3)
    page = Elements(render_check_html(result, transcripts))
    (card,) = page.tags("article")
    assert card.get("data-outcome") == "complies" and card.get("data-problem") == "1"
    assert "Unstable: the samples disagree (agreement 67%)." in card.text
    heads = [h.text for h in page.tags("div", class_="sample-head")]
    assert heads == [
        "sample 0: complies score 1.00",
        "sample 1: violates score 0.00",
        "sample 2: complies score 1.00",
    ]
    assert [m.get("class") for m in page.tags("mark")] == ["evidence o-violates"]
    assert "unstable pairs" in [d.text for d in page.tags("div", class_="l")]


def test_an_empty_run_still_renders() -> None:
    result = sample.run_result()
    empty = result.model_copy(update={"pairs": (), "verdicts": (), "principles": ()})
    page = Elements(render_check_html(empty, []))
    assert "This run holds no judgments." in [p.text for p in page.tags("p", class_="notice")]
    assert page.tags("svg") and page.tags("g") == []


def test_worst_transcripts_and_chart_link_into_the_page(page: Elements) -> None:
    (worst,) = page.tags("ol")
    assert worst.text.strip() == (
        f"{sample.HOSTILE_ID}: violates harm.locks; 1 judge error (lowest score 0.05)"
    )
    assert page.tags("a", href="#t0")
    chart_links = [a.get("href") for a in page.tags("a") if a.get("href").startswith("#f:")]
    assert chart_links[:3] == [
        "#f:principle=harm.locks",
        "#f:principle=honesty.plain",
        "#f:principle=tools.safe",
    ]


def test_cards_read_worst_first_and_keep_their_anchors(page: Elements) -> None:
    cards = [(a.get("id"), a.get("data-outcome")) for a in page.tags("article")]
    assert cards[:3] == [("t0-v0", "violates"), ("t0-v2", "error"), ("t0-v1", "complies")]
    assert cards[3:] == [
        ("t1-v1", "complies"),
        ("t1-v0", "not_applicable"),
        ("t1-v2", "not_applicable"),
    ]


@pytest.fixture(scope="module")
def abstaining() -> Elements:
    transcripts = [sample.hostile_transcript(), sample.quiet_transcript()]
    html = render_check_html(sample.abstaining_run_result(), transcripts, sample.constitution())
    return Elements(html)


def test_a_banner_says_how_much_of_the_run_was_not_graded(abstaining: Elements) -> None:
    (banner,) = abstaining.tags("div", id="not-graded")
    assert banner.text.startswith("3 of 9 judgments were not graded: 2 abstained, 1 error.")
    assert f"abstained: {sample.ABSTENTION}: 2 judgments on 2 principles" in banner.text
    (card,) = abstaining.tags("div", id="abstained-total")
    assert card.get("class") == "card abs" and card.text == "2judgments abstained (not graded)"


def test_no_banner_when_everything_was_graded() -> None:
    result = sample.run_result()
    clean = [v for v in result.verdicts if v.outcome.value != "error"]
    html = render_check_html(build_result(result.run, clean, result.totals), [])
    assert 'id="not-graded"' not in html


def test_an_abstention_has_its_own_badge_card_and_reason(abstaining: Elements) -> None:
    cards = [a for a in abstaining.tags("article") if a.get("data-outcome") == "abstained"]
    assert [c.get("data-principle") for c in cards] == ["harm.locks", "honesty.plain"]
    assert all("pair o-abstained" in c.get("class") for c in cards)
    badges = [b for b in abstaining.tags("span") if b.get("class") == "badge o-abstained"]
    assert [b.text for b in badges] == ["2 abstained", "abstained", "abstained"]
    flags = [p.text for p in abstaining.tags("p") if p.get("class") == "flag abs"]
    assert flags[0].startswith(f"The judge abstained: {sample.ABSTENTION}. Not graded")


def test_the_chart_and_table_count_abstentions(abstaining: Elements) -> None:
    captions = [t.text for t in abstaining.tags("text", class_="caption")]
    assert captions == [
        "100.0% (1/1), 1 abstained",
        "0.0% (0/2), 1 abstained",
        "n/a (never applied), 1 error",
    ]
    cells = [td.text for td in abstaining.tags("td") if td.get("class") == "abs"]
    assert cells == ["1", "1"]
