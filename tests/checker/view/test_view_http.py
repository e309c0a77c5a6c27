"""The viewer over plain HTTP: routes, the Host check, headers, and a store never written."""

from __future__ import annotations

import hashlib
import http.client
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.output.html._env import assets
from checker.runner import load_run
from checker.runs_diff import compare_runs
from checker.store import StoreError, open_store
from checker.view import RunSummary, SummaryCache, ViewServer, compute_summary
from checker.view import _pages as pages
from checker.view._summary import pair_is_problem
from tests.checker.output.html_samples import Elements
from tests.checker.view.viewer_store import HOSTILE_ID, build_store, serving


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_store(tmp_path / "results.db")


@pytest.fixture
def server(db: Path) -> Iterator[ViewServer]:
    with serving(db) as running:
        yield running


def get(
    server: ViewServer, path: str, host: str | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], str]:
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest(method, path, skip_host=True)
    connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
    connection.endheaders()
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def shown(page: Elements) -> list[str]:
    """The transcript ids on a run page (each heading starts with its id, then badges)."""
    ids = ["t0", "t1", HOSTILE_ID]
    return [next(i for i in ids if h.text.startswith(i)) for h in page.tags("h2", class_="tid")]


def test_a_foreign_host_header_is_refused(server: ViewServer) -> None:
    port = server.server_address[1]
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", ""):
        status, headers, body = get(server, "/", host=host)
        assert status == 421, host
        assert "runs" not in body.lower() and "Host" in body
        assert headers["content-security-policy"] == assets()[2]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert get(server, "/", host=host)[0] == 200


def test_pages_carry_the_reports_csp_as_a_header(server: ViewServer) -> None:
    status, headers, body = get(server, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-security-policy"] == assets()[2]
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    rows = Elements(body).tags("tr", **{"data-run": "2"})
    assert len(rows) == 1 and "#1 → #2" in rows[0].text


def test_only_reading_methods(server: ViewServer) -> None:
    for method in ("POST", "PUT", "DELETE"):
        assert get(server, "/", method=method)[0] == 405
    status, _, body = get(server, "/", method="HEAD")
    assert status == 200 and body == ""


def test_unknown_addresses_are_404(server: ViewServer) -> None:
    assert get(server, "/runs/99")[0] == 404
    assert get(server, "/nothing")[0] == 404
    assert get(server, "/transcript?id=nobody")[0] == 404
    status, _, body = get(server, "/diff")
    assert status == 404 and "before=A&after=B" in body


def test_the_store_is_never_written(db: Path, server: ViewServer) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for path in ("/", "/runs/1", "/runs/2?outcome=violates", "/diff?before=1&after=2"):
        assert get(server, path)[0] == 200, path
    assert (
        get(server, f"/transcript?id={HOSTILE_ID.replace('<', '%3C').replace('>', '%3E')}")[0]
        == 200
    )
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    with (
        open_store(db, read_only=True) as store,
        pytest.raises(sqlite3.OperationalError, match="readonly"),
    ):
        store.db.execute("DELETE FROM runs")


def test_read_only_open_of_a_missing_store_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no results store here"):
        open_store(tmp_path / "absent.db", read_only=True)
    assert not (tmp_path / "absent.db").exists()


def test_run_pages_filter_across_the_run(server: ViewServer) -> None:
    status, _, body = get(server, "/runs/1?outcome=violates&principle=p.one")
    assert status == 200
    page = Elements(body)
    assert shown(page) == ["t0"]
    assert page.tags("body")[0].get("data-server-filters") == "principle=p.one&outcome=violates"
    status, _, body = get(server, "/runs/1?t=t1")
    assert shown(Elements(body)) == ["t1"]


def test_summary_matches_the_report(db: Path) -> None:
    summary = compute_summary(db, 1)
    with open_store(db) as store:
        result = load_run(store, 1)
    assert summary.totals == result.totals and summary.principles == result.principles
    assert summary.worst == result.worst_transcripts
    assert list(summary.pairs) == ["t0", "t1", HOSTILE_ID]
    assert summary.select("", "violates", False) == ["t0", HOSTILE_ID]
    assert summary.select("p.two", "", True) == [HOSTILE_ID]
    for pair in result.pairs:
        samples = [
            v
            for v in result.verdicts
            if (v.transcript_id, v.principle_id) == (pair.transcript_id, pair.principle_id)
        ]
        assert pair_is_problem(pair, samples) == (pair.outcome.value == "violates")


def test_two_runs_compare_with_flips(db: Path) -> None:
    with open_store(db) as store:
        diff = compare_runs(load_run(store, 1), load_run(store, 2))
    (one, two) = diff.principles
    assert (one.principle_id, one.status.value, one.to_violates, one.to_complies) == (
        "p.one",
        "unchanged",
        1,
        1,
    )
    assert {(f.before_transcript, f.before.value, f.after.value) for f in one.flips} == {
        ("t0", "violates", "complies"),
        ("t1", "complies", "violates"),
    }
    assert two.flips == () and diff.mode.value == "runs" and diff.before.run_id == 1


def test_a_page_does_not_wait_for_a_slow_summary(db: Path, server: ViewServer) -> None:
    release = threading.Event()

    def slow(path: Path, run_id: int) -> RunSummary:
        release.wait(30)
        return compute_summary(path, run_id)

    server.cache = SummaryCache(db, compute=slow)
    try:
        status, _, body = get(server, "/runs/1")
        page = Elements(body)
        assert status == 200 and len(page.tags("p", id="partial")) == 1
        assert page.tags("meta", **{"http-equiv": "refresh"})  # reloads until it is ready
        assert len(page.tags("section", class_="transcript")) == 3  # the transcripts are there
        assert "2violations" in "".join(c.text for c in page.tags("div", class_="card bad"))
        assert page.tags("a", class_="pid") == []
    finally:
        release.set()
    status, _, body = get(server, "/runs/1?outcome=violates")  # a filter waits for it
    assert status == 200 and Elements(body).tags("p", id="partial") == []


def test_pages_link_to_each_other(server: ViewServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    _, _, body = get(server, "/runs/1?page=2")
    page = Elements(body)
    assert shown(page) == ["t1"]
    assert {a.get("href") for a in page.tags("a", rel="prev")} == {"/runs/1"}
    assert {a.get("href") for a in page.tags("a", rel="next")} == {"/runs/1?page=3"}
    hrefs = {a.get("href") for a in page.tags("a")}
    assert "/runs/1?t=h%3Cscript%3Ex%3C%2Fscript%3E" in hrefs  # worst transcript on page 3
    assert "/transcript?id=t1" in hrefs
    _, _, body = get(server, "/runs/1?outcome=violates&page=2")
    page = Elements(body)
    assert shown(page) == [HOSTILE_ID]
    assert {a.get("href") for a in page.tags("a", rel="prev")} == {"/runs/1?outcome=violates"}
    assert get(server, "/runs/1?page=99")[0] == 200  # past the end: the last page
