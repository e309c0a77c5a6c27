"""``check`` and ``report`` with ``--format html``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checker.output.html_samples import Elements
from tests.cli import test_check_cmd as base
from tests.cli.conftest import RunCli
from tests.cli.conftest import StubJudges as _Judges


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(base.CONSTITUTION)
    base._write(tmp_path / "chats.jsonl", ["All good.", "VIOLATE p.one", "FAIL p.two"])
    return tmp_path


def test_check_writes_an_html_report(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--format", "html", "--out", "r.html")
    assert result.code == 0 and result.out == ""
    page = Elements((work / "r.html").read_text())
    assert [m.text for m in page.tags("mark")] == ["VIOLATE p.one"]
    cards = [a.get("data-outcome") for a in page.tags("article")]
    assert cards == ["complies", "complies", "violates", "complies", "error", "complies"]
    assert any("Rule one" in d.text for d in page.tags("div", class_="ptitle"))
    assert "run 1: 6 judgments" in result.err


def test_report_renders_a_stored_run_with_its_conversations(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    run_cli("check", "rules.yaml", "chats.jsonl", "--db", "r.db", "--out", "first.txt")
    result = run_cli("report", "1", "--db", "r.db", "--format", "html", "--fail-on", "violates")
    assert result.code == 1
    page = Elements(result.out)
    assert page.tags("title")[0].text == "Check run 1: test-rules 1.0.0"
    assert [m.text for m in page.tags("mark")] == ["VIOLATE p.one"]
    assert len(page.tags("div", class_="msg role-user")) == 3
    assert not any("not included" in p.text for p in page.tags("p"))
