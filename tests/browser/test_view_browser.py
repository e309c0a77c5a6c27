"""``constitution view`` in a real browser: the run list, a run and its filters, a diff of
two runs, a transcript across runs, and markup planted in a transcript that never runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from checker.view import ViewServer
from tests.browser.chromium import dump_url, require_chromium
from tests.checker.output.html_samples import Elements
from tests.checker.view.viewer_store import HOSTILE_ID, build_store, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ViewServer]:
    require_chromium()
    db = build_store(tmp_path_factory.mktemp("view") / "results.db")
    with serving(db) as running:
        yield running


def open_page(server: ViewServer, path: str, tmp_path: Path) -> Elements:
    return Elements(dump_url(server.url.rstrip("/") + path, tmp_path))


def _body(dom: Elements) -> dict[str, str | None]:
    (body,) = dom.tags("body")
    return body.attrs


def test_the_run_list(server: ViewServer, tmp_path: Path) -> None:
    dom = open_page(server, "/", tmp_path)
    assert dom.tags("title")[0].text == "Runs"
    rows = dom.tags("tr")[1:]
    assert [r.get("data-run") for r in rows] == ["2", "1"]
    assert "test.constitution 1.0.0" in rows[0].text and "stub/stub-model" in rows[0].text
    assert dom.tags("a", href="/diff?before=1&after=2")
    assert _body(dom).get("data-script") == "ran"


def test_a_run_with_its_filters(server: ViewServer, tmp_path: Path) -> None:
    dom = open_page(server, "/runs/1", tmp_path)
    body = _body(dom)
    assert body.get("data-filters") == "ready" and "data-pwned" not in body
    (count,) = dom.tags("output", id="f-count")
    assert count.text == "6 of 6 judgments in 3 of 3 transcripts"
    assert dom.tags("p", id="partial") == []  # a small run's summary is there at once
    assert [a.text for a in dom.tags("a", class_="pid")] == ["p.one", "p.two"]
    assert "transcripts 1-3 of 3" in dom.tags("nav", class_="filters pager")[0].text
    # a fragment filters this page in the browser, like the static report
    dom = open_page(server, "/runs/1#f:outcome=violates", tmp_path)
    (count,) = dom.tags("output", id="f-count")
    assert count.text == "2 of 6 judgments in 2 of 3 transcripts"
    # the query filters the whole run on the server; the script agrees with it
    dom = open_page(server, "/runs/1?principle=p.one&outcome=violates", tmp_path)
    (heading,) = dom.tags("h2", class_="tid")
    assert heading.text.startswith("t0")
    (count,) = dom.tags("output", id="f-count")  # the page's own filters say the same
    assert count.text == "1 of 2 judgments in 1 of 1 transcripts"
    assert _body(dom).get("data-filters") == "ready"


def test_a_planted_script_does_not_run(server: ViewServer, tmp_path: Path) -> None:
    dom = open_page(server, f"/runs/1?t={quote(HOSTILE_ID, safe='')}", tmp_path)
    body = _body(dom)
    assert "data-pwned" not in body and body.get("data-script") == "ran"
    assert len(dom.tags("script")) == 1 and dom.tags("img") == []
    (section,) = dom.tags("section", class_="transcript")
    assert HOSTILE_ID in section.text and "<script>document.body" in section.text
    dom = open_page(server, f"/transcript?id={quote(HOSTILE_ID, safe='')}", tmp_path)
    assert "data-pwned" not in _body(dom) and dom.tags("img") == []
    assert dom.tags("h1")[0].text == f"Transcript {HOSTILE_ID}"


def test_a_diff_between_two_runs(server: ViewServer, tmp_path: Path) -> None:
    dom = open_page(server, "/diff?before=1&after=2", tmp_path)
    assert dom.tags("title")[0].text.startswith("Behaviour diff: run 1 → run 2")
    flips = dom.tags("div", class_="flip to-complies") + dom.tags("div", class_="flip to-violates")
    assert len(flips) == 2
    texts = " ".join(f.text for f in flips)
    assert "The reply breaks p.one." in texts and "Fine." in texts
    assert len(dom.tags("section", class_="transcript")) == 4  # both sides of both flips
    assert _body(dom).get("data-script") == "ran"


def test_a_transcript_across_runs(server: ViewServer, tmp_path: Path) -> None:
    dom = open_page(server, "/transcript?id=t1", tmp_path)
    (table,) = dom.tags("table", id="across")
    head = [th.text for th in dom.tags("th")]
    assert head[1].startswith("#2") and head[2].startswith("#1")
    cells = [td.text for td in dom.tags("td")]
    assert cells[0] == "p.one"
    assert "violates" in cells[1] and "The reply breaks p.one." in cells[1]
    assert "complies" in cells[2] and "Fine." in cells[2]
    assert table is not None
