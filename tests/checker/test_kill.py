"""A check killed with SIGKILL mid-run loses nothing finished and repeats nothing on re-run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.runner import load_run
from checker.store import open_store
from tests.checker.slow_check import PRINCIPLES

ROOT = Path(__file__).resolve().parents[2]
COUNT = 20


def _start(db: Path, log: Path, delay: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.checker.slow_check", str(db), str(log), str(COUNT)]
    return subprocess.Popen([*command, str(delay)], cwd=ROOT, env=env)


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def _calls(log: Path) -> list[tuple[str, str, int]]:
    if not log.exists():
        return []
    rows = [line.split() for line in log.read_text().splitlines()]
    return [(t, p, int(s)) for t, p, s in rows]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_then_rerun_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    first = _start(db, tmp_path / "first.log", delay=0.1)
    deadline = time.monotonic() + 60
    while _stored(db) < 8:
        assert first.poll() is None, "the check finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    with open_store(db) as store:
        before = {(v.transcript_id, v.principle_id, v.sample_index) for v in store.iter_verdicts()}
        assert store.list_runs()[0].status == "interrupted"
        killed = load_run(store, 1)  # a killed run can still be reported
        assert killed.run.status == "interrupted"
        assert killed.totals.judgments == len(before)
    total = COUNT * len(PRINCIPLES)
    assert 8 <= len(before) < total

    second = _start(db, tmp_path / "second.log", delay=0.0)
    assert second.wait(timeout=120) == 0
    repeated = _calls(tmp_path / "second.log")
    assert not before & set(repeated), "a finished judgment was graded again"
    assert len(repeated) == len(set(repeated)) == total - len(before)
    with open_store(db) as store:
        assert store.count_verdicts() == total
        latest = store.list_runs()[0]
        assert latest.status == "complete"
        assert latest.totals["cache_hits"] == len(before)
        assert latest.totals["calls"] == total - len(before)
        assert latest.totals["violations"] == 7  # t0, t3, ..., t18 violate p.two
