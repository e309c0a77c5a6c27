"""``store prune`` and ``check --no-store-transcripts``: private conversations can leave."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli, StubJudges
from tests.cli.test_check_cmd import CONSTITUTION

PRIVATE = "my-private-words-4417"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judges: StubJudges) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    _write(tmp_path / "a.jsonl", {"t0": "Fine.", "t1": "Also fine."})
    _write(tmp_path / "b.jsonl", {"t2": f"Told you {PRIVATE}."})
    return tmp_path


def _write(path: Path, replies: dict[str, str]) -> None:
    chats = [make_transcript(i, reply) for i, reply in replies.items()]
    path.write_text("".join(t.model_dump_json() + "\n" for t in chats))


def _check(run_cli: RunCli, chats: str, *more: str) -> None:
    result = run_cli("check", "rules.yaml", chats, "--judge", "local", "--db", "r.db", *more)
    assert result.code == 0, result.err


def _counts(db: Path) -> tuple[int, int, int, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("runs", "run_verdicts", "verdicts", "transcripts")
        )


def _file_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_prune_by_run_keeps_what_other_runs_use(work: Path, run_cli: RunCli) -> None:
    db = work / "r.db"
    _check(run_cli, "a.jsonl")
    _check(run_cli, "b.jsonl")
    _check(run_cli, "a.jsonl")  # run 3 reuses run 1's verdicts
    assert _counts(db) == (3, 10, 6, 3)
    dry = run_cli("store", "prune", "--run", "1", "--db", "r.db", "--dry-run")
    assert dry.code == 0, dry.err
    assert dry.out.strip() == (
        "would remove 1 run(s) (1): 4 verdict link(s), 0 verdict(s), 0 transcript(s)"
        " (dry run: nothing changed)"
    )
    assert _counts(db) == (3, 10, 6, 3)
    done = run_cli("store", "prune", "--run", "1", "--run", "2", "--db", "r.db")
    assert done.out.strip() == (
        "removed 2 run(s) (1, 2): 6 verdict link(s), 2 verdict(s), 1 transcript(s)"
    )
    assert _counts(db) == (1, 4, 4, 2)
    assert PRIVATE.encode() not in _file_bytes(db)  # overwritten, not left in free pages
    report = run_cli("report", "3", "--db", "r.db")
    assert report.code == 0 and "Run 3" in report.out
    gone = run_cli("report", "2", "--db", "r.db")
    assert gone.code == 2 and "no run 2" in gone.err


def test_prune_by_age_and_vacuum(work: Path, run_cli: RunCli) -> None:
    db = work / "r.db"
    _check(run_cli, "b.jsonl")
    _check(run_cli, "a.jsonl")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET started = '2020-01-01T00:00:00+00:00' WHERE id = 1")
    conn.close()
    done = run_cli("store", "prune", "--older-than", "30d", "--vacuum", "--db", "r.db")
    assert done.code == 0, done.err
    assert done.out.strip() == (
        "removed 1 run(s) (1): 2 verdict link(s), 2 verdict(s), 1 transcript(s);"
        " the file was rewritten (VACUUM)"
    )
    assert _counts(db) == (1, 4, 4, 2)
    assert PRIVATE.encode() not in _file_bytes(db)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to prune"),
        (("--older-than", "a month"), "bad age 'a month'"),
        (("--run", "99"), "no run 99"),
    ],
)
def test_bad_prune_requests_are_one_line(
    work: Path, run_cli: RunCli, args: tuple[str, ...], message: str
) -> None:
    _check(run_cli, "a.jsonl")
    result = run_cli("store", "prune", "--db", "r.db", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_no_store_transcripts_keeps_verdicts_only(
    work: Path, run_cli: RunCli, judges: StubJudges
) -> None:
    db = work / "r.db"
    _check(run_cli, "b.jsonl", "--no-store-transcripts")
    assert _counts(db) == (1, 2, 2, 0)
    assert PRIVATE.encode() not in _file_bytes(db)
    html = run_cli("report", "latest", "--db", "r.db", "--format", "html")
    assert html.code == 0, html.err
    assert "made with --no-store-transcripts" in html.out
    assert PRIVATE not in html.out
    table = run_cli("report", "latest", "--db", "r.db")
    assert table.code == 0 and "Run 1" in table.out
    calls = judges.calls
    _check(run_cli, "b.jsonl")  # with the files again: the verdicts are reused
    assert judges.calls == calls
