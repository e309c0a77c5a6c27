"""The HTML reports in a real browser: highlights exist, planted scripts do not run.

Set ``REPORT_SCREENSHOT_DIR`` to also keep the screenshots somewhere to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from checker.output.html import render_check_html, render_diff_html
from constitution.diff import diff_constitutions
from constitution.load import load_constitution
from tests.browser.chromium import dump_dom, png_size, require_chromium, screenshot
from tests.checker.output import html_samples as sample
from tests.checker.output.html_samples import Elements

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TITLE = "Check run 7: demo.locks 1.2.0"


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


@pytest.fixture
def report(tmp_path: Path, chromium: str) -> Path:
    html = render_check_html(
        sample.run_result(), [sample.hostile_transcript()], sample.constitution()
    )
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def _body(dom: Elements) -> dict[str, str | None]:
    (body,) = dom.tags("body")
    return body.attrs


def _keep(path: Path) -> None:
    target = os.environ.get("REPORT_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def test_planted_scripts_do_not_run_and_evidence_is_highlighted(
    report: Path, tmp_path: Path
) -> None:
    dom = Elements(dump_dom(report, tmp_path))
    assert dom.tags("title")[0].text == TITLE  # (the chart's SVG <title>s come after)
    body = _body(dom)
    assert "data-pwned" not in body
    assert body.get("data-script") == "ran"  # the report's own (hash-allowed) script did run
    assert body.get("data-filters") == "ready"
    assert dom.tags("img") == [] and dom.tags("iframe") == [] and dom.tags("textarea") == []
    assert dom.tags("a", id="planted-link") == []
    assert len(dom.tags("script")) == 1
    marks = dom.tags("mark")
    assert len(marks) == 5
    assert all(m.get("class").startswith("evidence") for m in marks)
    assert marks[0].text == sample.SCRIPT
    assert {m.get("data-principle") for m in marks} == {
        "harm.locks",
        "honesty.plain",
        "harm.locks honesty.plain",
    }
    (count,) = dom.tags("output", id="f-count")
    assert count.text == "6 of 6 judgments in 2 of 2 transcripts"


def test_filters_preset_from_the_address(report: Path, tmp_path: Path) -> None:
    dom = Elements(dump_dom(report, tmp_path, "#f:outcome=violates&principle=harm.locks"))
    shown = [a.get("id") for a in dom.tags("article") if "hidden" not in a.attrs]
    assert shown == ["t0-v0"]
    (count,) = dom.tags("output", id="f-count")
    assert count.text == "1 of 6 judgments in 1 of 2 transcripts"
    (second,) = dom.tags("section", id="t1")
    assert "hidden" in second.attrs
    dimmed = [m.text for m in dom.tags("mark") if "dim" in m.get("class").split()]
    assert dimmed == ["Sure, here is how: first ", "I can\u2019t  help   with THAT"]


def test_problem_filter(report: Path, tmp_path: Path) -> None:
    dom = Elements(dump_dom(report, tmp_path, "#f:problems=1"))
    shown = [a.get("data-principle") for a in dom.tags("article") if "hidden" not in a.attrs]
    assert shown == ["harm.locks", "tools.safe"]


def _inject(html: str, markup: str) -> str:
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + markup, html, count=1)


PLANTED = (
    "<script>document.title='pwned'</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
)


def test_csp_stops_markup_that_escaped_escaping(report: Path, tmp_path: Path) -> None:
    """Defence in depth: raw markup forced into the page still cannot run."""
    hostile = tmp_path / "injected.html"
    hostile.write_text(_inject(report.read_text(encoding="utf-8"), PLANTED), encoding="utf-8")
    dom = Elements(dump_dom(hostile, tmp_path))
    assert dom.tags("title")[0].text == TITLE
    assert "data-pwned" not in _body(dom)
    assert _body(dom).get("data-script") == "ran"


def test_the_planted_script_would_run_without_the_csp(report: Path, tmp_path: Path) -> None:
    """The control: without the CSP meta the same injection runs, so the test above is real."""
    html = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", report.read_text())
    unprotected = tmp_path / "unprotected.html"
    unprotected.write_text(_inject(html, PLANTED), encoding="utf-8")
    dom = Elements(dump_dom(unprotected, tmp_path))
    assert dom.tags("title")[0].text == "pwned"
    assert _body(dom).get("data-pwned") == "img"


def test_check_report_screenshot(report: Path, tmp_path: Path) -> None:
    shot = screenshot(report, tmp_path, tmp_path / "check-report.png")
    assert png_size(shot) == (1280, 2000)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    _keep(shot)


def test_diff_report_in_the_browser(tmp_path: Path, chromium: str) -> None:
    revisions = ROOT / "fixtures" / "revisions"
    diff = diff_constitutions(
        load_constitution(revisions / "v1.yaml"), load_constitution(revisions / "v2.yaml")
    )
    page = tmp_path / "diff.html"
    page.write_text(render_diff_html(diff), encoding="utf-8")
    dom = Elements(dump_dom(page, tmp_path))
    assert _body(dom).get("data-script") == "ran"
    assert [d.text for d in dom.tags("del")][:1] == ["assignments"]
    assert "exam answers" in [i.text for i in dom.tags("ins")]
    shot = screenshot(page, tmp_path, tmp_path / "diff-report.png")
    assert png_size(shot) == (1280, 2000)
    _keep(shot)


def test_behaviour_diff_in_the_browser(tmp_path: Path, chromium: str) -> None:
    page = tmp_path / "behaviour.html"
    html = render_diff_html(None, sample.behaviour_diff(), [sample.hostile_transcript()])
    page.write_text(html, encoding="utf-8")
    dom = Elements(dump_dom(page, tmp_path))
    assert dom.tags("title")[0].text == "Behaviour diff: before → after under demo.locks"
    assert "data-pwned" not in _body(dom) and _body(dom).get("data-script") == "ran"
    assert dom.tags("img") == [] and dom.tags("iframe") == [] and len(dom.tags("script")) == 1
    (flip,) = dom.tags("div", class_="flip to-violates")
    assert "Now it <script>document.title='pwned'</script> violates." in flip.text
    links = [a.get("href") for a in dom.tags("a") if a.text == sample.HOSTILE_ID]
    assert links[0] == "#tr0" and dom.tags("section", id="tr0")
    shot = screenshot(page, tmp_path, tmp_path / "behaviour-diff.png", (1280, 1400))
    assert png_size(shot) == (1280, 1400)
    _keep(shot)


def test_abstentions_have_a_badge_a_banner_and_a_filter(tmp_path: Path, chromium: str) -> None:
    transcripts = [sample.hostile_transcript(), sample.quiet_transcript()]
    html = render_check_html(sample.abstaining_run_result(), transcripts, sample.constitution())
    page = tmp_path / "abstained.html"
    page.write_text(html, encoding="utf-8")
    dom = Elements(dump_dom(page, tmp_path, "#f:outcome=abstained"))
    assert _body(dom).get("data-filters") == "ready"
    (banner,) = dom.tags("div", id="not-graded")
    assert banner.text.startswith("3 of 9 judgments were not graded: 2 abstained, 1 error.")
    shown = [a for a in dom.tags("article") if "hidden" not in a.attrs]
    assert [a.get("data-principle") for a in shown] == ["harm.locks", "honesty.plain"]
    assert all(a.get("data-outcome") == "abstained" for a in shown)
    (count,) = dom.tags("output", id="f-count")
    assert count.text == "2 of 9 judgments in 1 of 3 transcripts"
    badges = [s.text for s in dom.tags("span") if s.get("class") == "badge o-abstained"]
    assert badges == ["2 abstained", "abstained", "abstained"]
    shot = screenshot(page, tmp_path, tmp_path / "abstained-report.png")
    assert png_size(shot) == (1280, 2000)
    _keep(shot)
