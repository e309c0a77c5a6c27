"""The store under a sick disk: each failure is one clear line and exit 2, a file that
is not a store is never written to, and a valid store still passes integrity_check."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import CliResult, RunCli, StubJudges
from tests.cli.test_check_cmd import CONSTITUTION


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judges: StubJudges) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    _chats(tmp_path / "chats.jsonl", 3)
    return tmp_path


def _chats(path: Path, count: int, size: int = 20) -> None:
    chats = [make_transcript(f"t{i}", f"Reply {i} " + "x" * size) for i in range(count)]
    path.write_text("".join(t.model_dump_json() + "\n" for t in chats))


def _check(run_cli: RunCli, db: Path, chats: str = "chats.jsonl") -> CliResult:
    return run_cli("check", "rules.yaml", chats, "--judge", "local", "--db", str(db))


def _one_clear_line(result: CliResult, *words: str) -> None:
    assert result.code == 2, result.err
    noise = ("judge: ", "store: ")  # which judge and store a command uses
    lines = [x for x in result.err.strip().splitlines() if not x.startswith(noise)]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.err
    for word in words:
        assert word in lines[0], lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _integrity(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_a_zero_byte_file_is_refused_not_treated_as_new(work: Path, run_cli: RunCli) -> None:
    db = work / "results.db"
    db.touch()
    for args in (("runs", "--db", str(db)), ("report", "latest", "--db", str(db))):
        _one_clear_line(run_cli(*args), str(db), "the file is empty, 0 bytes")
    _one_clear_line(_check(run_cli, db), "not a results store", "left untouched")
    assert db.stat().st_size == 0
    assert sorted(p.name for p in work.iterdir()) == ["chats.jsonl", "results.db", "rules.yaml"]


def test_a_file_that_is_not_sqlite_is_left_untouched(work: Path, run_cli: RunCli) -> None:
    db = work / "notes.db"
    db.write_text("my notes, not a database\n" * 100)
    before = _digest(db)
    _one_clear_line(_check(run_cli, db), "not an SQLite database", "left untouched")
    assert _digest(db) == before


def test_another_programs_database_is_not_migrated(work: Path, run_cli: RunCli) -> None:
    db = work / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
        conn.execute("INSERT INTO people VALUES ('ada')")
    conn.close()
    before = _digest(db)
    _one_clear_line(_check(run_cli, db), "without the store's tables")
    assert _digest(db) == before
    assert _integrity(db) == "ok"


def _damage(db: Path, *tables: str) -> None:
    """Overwrite the root pages of ``tables`` with garbage, as a failing disk might."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        marks = ",".join("?" * len(tables))
        pages = [
            row[0]
            for row in conn.execute(
                f"SELECT rootpage FROM sqlite_master WHERE name IN ({marks})", tables
            )
        ]
    conn.close()
    with db.open("r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * size)
            handle.write(b"\xa5" * size)


def test_a_damaged_page_is_one_line_and_exit_2(work: Path, run_cli: RunCli) -> None:
    db = work / "results.db"
    assert _check(run_cli, db).code == 0
    _damage(db, "runs", "verdicts", "run_verdicts")
    for args in (
        ("check", "rules.yaml", "chats.jsonl", "--judge", "local", "--db", str(db)),
        ("runs", "--db", str(db)),
        ("report", "1", "--db", str(db)),
    ):
        _one_clear_line(run_cli(*args), str(db), "damaged", ".recover")


@pytest.fixture
def read_only_file(work: Path, run_cli: RunCli) -> Iterator[Path]:
    """A valid store made immutable (``chattr +i``, which stops even root) or read-only."""
    db = work / "results.db"
    assert _check(run_cli, db).code == 0
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(db)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip("running as root on a file system without chattr +i")
    else:
        db.chmod(0o444)
    try:
        yield db
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(db)], check=False)
        db.chmod(0o644)


def test_an_immutable_store_is_one_line_and_exit_2(
    read_only_file: Path, run_cli: RunCli, judges: StubJudges
) -> None:
    db = read_only_file
    before = _digest(db)
    calls = judges.calls
    _one_clear_line(_check(run_cli, db), str(db), "read-only")
    assert judges.calls == calls  # refused before anything was judged (and paid for)
    assert _digest(db) == before
    assert _integrity(db) == "ok"
    listed = run_cli("runs", "--db", str(db))  # reading needs no write
    assert listed.code == 0 and "complete" in listed.out
    shown = run_cli("report", "latest", "--db", str(db))
    assert shown.code == 0 and "Run 1" in shown.out
    assert _digest(db) == before


def test_a_full_disk_is_one_line_exit_2_and_keeps_what_was_stored(
    work: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = work / "results.db"
    assert _check(run_cli, db).code == 0
    kept = _count(db, "verdicts")
    _chats(work / "big.jsonl", 40, size=20_000)
    from checker.store import _open

    configure = _open.configure

    def tiny_disk(conn: sqlite3.Connection) -> None:
        configure(conn)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 8}")  # the disk fills up soon

    monkeypatch.setattr(_open, "configure", tiny_disk)
    _one_clear_line(_check(run_cli, db, "big.jsonl"), str(db), "database or disk is full")
    assert _integrity(db) == "ok"
    assert _count(db, "verdicts") >= kept
    monkeypatch.setattr(_open, "configure", configure)  # space freed: the re-run finishes
    again = _check(run_cli, db, "big.jsonl")
    assert again.code == 0, again.err
    assert _integrity(db) == "ok"
