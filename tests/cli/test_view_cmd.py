"""``constitution view``: the URL printed, the browser opened (or not), Ctrl-C, errors."""

from __future__ import annotations

import re
import webbrowser
from pathlib import Path

import pytest

from checker.view import ViewServer
from tests.checker.view.viewer_store import build_store
from tests.cli.conftest import RunCli


def _interrupt(self: ViewServer, poll_interval: float = 0.5) -> None:
    raise KeyboardInterrupt  # what Ctrl-C does to serve_forever


def test_view_prints_its_url_opens_the_browser_and_stops_on_ctrl_c(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = build_store(tmp_path / "results.db")
    opened: list[str] = []
    monkeypatch.setattr(ViewServer, "serve_forever", _interrupt)
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    result = run_cli("view", "--db", str(db), "--port", "0")
    assert result.code == 0, result.err
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", result.out)
    assert match is not None and match.group(1) != "0"
    assert opened == [match.group(0)]
    assert "stopped" in result.err
    result = run_cli("view", "--db", str(db), "--port", "0", "--no-open")
    assert result.code == 0 and len(opened) == 1


def test_view_of_a_missing_store_is_a_clear_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("view", "--db", str(tmp_path / "none.db"), "--no-open")
    assert result.code == 2
    assert result.err.strip() == (
        f"error: {tmp_path / 'none.db'}: no results store here (run `constitution check` first)"
    )
    assert not (tmp_path / "none.db").exists()
