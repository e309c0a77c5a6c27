"""Hostile text in every rendering: escape sequences, bidi overrides and HTML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.output import markdown_text, render, visible
from checker.output.html import render_check_html
from checker.results import RunResult, build_result
from checker.runner import run_check
from checker.store import open_store
from checker.verdict import Outcome
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript

ESCAPE = "\x1b[2J\x1b]0;owned\x07"
OVERRIDE = "invoice\u202egnp.exe"
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"
HOSTILE = f"{ESCAPE} {OVERRIDE} {MARKUP} [bold]not markup[/bold]"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    transcripts = [make_transcript("t0", "VIOLATE p.one"), make_transcript("t1", "FAIL p.two")]
    db = tmp_path_factory.mktemp("safe") / "r.db"
    with open_store(db) as store:
        made = run_check(make_constitution("p.one", "p.two"), transcripts, StubJudge(), store)
    verdicts = []
    for v in made.verdicts:
        update: dict[str, object] = {"transcript_id": f"{v.transcript_id} {OVERRIDE}{ESCAPE}"}
        if v.outcome is Outcome.VIOLATES:
            update["rationale"] = HOSTILE
        if v.outcome is Outcome.ERROR:
            update["error"] = HOSTILE
        verdicts.append(v.model_copy(update=update))
    return build_result(made.run, verdicts, made.totals, ["p.one", "p.two"])


def test_visible_writes_controls_and_bidi_as_escapes() -> None:
    assert visible("a\x1b[31mb\u202ec\x7f\x85") == "a\\x1b[31mb\\u202ec\\x7f\\x85"
    assert visible("line\nnext\ttab") == "line\nnext\\x09tab"
    assert visible("a\nb", keep_newlines=False) == "a\\x0ab"
    assert visible("שלום, ordinary text") == "שלום, ordinary text"  # RTL text is left alone


def test_markdown_text_is_html_escaped() -> None:
    assert markdown_text("<b>&\u202e") == "&lt;b&gt;&amp;\\u202e"


def _no_raw_controls(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text
    assert "\u202e" not in text


def test_the_table_shows_escapes_not_controls(result: RunResult) -> None:
    text = render(result, "table")
    _no_raw_controls(text)
    assert "\\x1b[2J" in text and "invoice\\u202egnp.exe" in text


def test_markdown_passes_no_html_and_no_controls(result: RunResult) -> None:
    text = render(result, "markdown")
    _no_raw_controls(text)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in text
    assert "\\[bold\\]" in text  # no link or image syntax either


def test_junit_is_valid_xml_without_controls(result: RunResult) -> None:
    text = render(result, "junit")
    _no_raw_controls(text)
    root = ET.fromstring(text.split("\n", 1)[1])
    names = [case.get("name") for case in root.iter("testcase")]
    assert any(name and "\\u202e" in name for name in names)


def test_json_keeps_the_text_exactly(result: RunResult) -> None:
    document = json.loads(render(result, "json"))
    assert any(v["rationale"] == HOSTILE for v in document["verdicts"])


def test_html_isolates_every_bidi_override(result: RunResult) -> None:
    page = render_check_html(result)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("\u202e") > 0
    for match in re.finditer("\u202e", page):
        before, after = page[: match.start()], page[match.end() :]
        assert before.rfind("\u2068") > before.rfind("\u2069"), "override outside an isolate"
        assert "\u2069" in after


def test_the_html_stylesheet_isolates_cells_and_code(tmp_path: Path, result: RunResult) -> None:
    page = render_check_html(result)
    assert "unicode-bidi:isolate" in page
