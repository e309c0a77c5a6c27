"""Ctrl-C during ``constitution check``: exit 130, nothing finished lost, ``--resume`` ends it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.checker.stub_judge import make_transcript
from tests.cli.test_check_cmd import CONSTITUTION

ROOT = Path(__file__).resolve().parents[2]


def _cli(tmp: Path, log: str, delay: float, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "tests.cli.slow_cli", str(tmp / log), str(delay)]
    return subprocess.Popen(
        [*command, "check", "rules.yaml", "chats.jsonl", "--concurrency", "2", *args],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stored(db: Path) -> int:
    if not db.exists():  # connecting would create an empty file, which the CLI refuses
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_ctrl_c_keeps_finished_judgments_and_resume_finishes(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    lines = [make_transcript(f"t{i}", "Fine.", f"q{i}").model_dump_json() for i in range(20)]
    (tmp_path / "chats.jsonl").write_text("\n".join(lines) + "\n")
    db = tmp_path / ".constitution" / "results.db"
    first = _cli(tmp_path, "first.log", 0.1)
    deadline = time.monotonic() + 60
    while _stored(db) < 4:
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "interrupted: every finished judgment is stored" in err
    assert "--resume 1" in err
    kept = _stored(db)
    assert 4 <= kept < 40
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"

    second = _cli(tmp_path, "second.log", 0.0, "--resume", "1", "--format", "jsonl")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert len(out.splitlines()) == 40
    assert len((tmp_path / "second.log").read_text().splitlines()) == 40 - kept
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, status FROM runs").fetchall() == [(1, "complete")]
