"""An audit killed with SIGKILL resumes without repeating a completed call."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from checker.audit import get_audit
from checker.store import open_store
from tests.checker.audit.helpers import CONSTITUTION_PATH, SCENARIOS_PATH, audit_config

ROOT = Path(__file__).resolve().parents[2]


def _stored(db: Path) -> int:
    if not db.exists():  # connecting would create an empty file, which the CLI refuses
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM audit_calls").fetchone()[0])
    except sqlite3.OperationalError:  # not created or not migrated yet
        return 0


def _audit(db: Path, base_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ANTHROPIC_BASE_URL": base_url,
           "ANTHROPIC_API_KEY": "test-key"}  # fmt: skip
    command = [
        sys.executable, "-m", "cli", "audit", "run", str(CONSTITUTION_PATH),
        str(SCENARIOS_PATH), "--target", "target-lax", "--auditor", "auditor-model",
        "--turns", "4", "--samples", "2", "--concurrency", "2", "--db", str(db),
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_mid_audit_then_resume_repeats_no_completed_call(
    fake_api: Any, tmp_path: Path
) -> None:
    api = fake_api(audit_config(latency_s=0.15))
    db = tmp_path / "r.db"
    first = _audit(db, api.base_url)
    deadline = time.monotonic() + 60
    while _stored(db) < 4 and time.monotonic() < deadline:
        assert first.poll() is None, "the audit finished before it could be killed"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    stored_at_kill = _stored(db)
    with open_store(db) as store:
        assert get_audit(store, 1).status == "interrupted"
    sent_before = api.stats.messages
    assert 4 <= stored_at_kill < sent_before + 1
    second = _audit(db, api.base_url)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0
    total = _stored(db)
    resent = api.stats.messages - sent_before
    assert resent == total - stored_at_kill  # only calls not stored at the kill are sent
    assert f"{stored_at_kill} from the store" in out.decode()
    again = _audit(db, api.base_url)
    out, _ = again.communicate(timeout=120)
    assert "0 calls made" in out.decode()
