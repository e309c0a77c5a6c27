"""``prune_store``: ages, running runs, and what a dry run leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checker.store import RunStatus, StoreError, open_store, parse_age, prune_store


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("90m", timedelta(minutes=90)),
        (" 45 s ", timedelta(seconds=45)),
    ],
)
def test_ages(text: str, expected: timedelta) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", "30", "d30", "1y", "-3d", "3.5d"])
def test_bad_ages(text: str) -> None:
    with pytest.raises(ValueError, match="bad age"):
        parse_age(text)


def _run(store_path: Path) -> int:
    with open_store(store_path) as store:
        return store.start_run(
            constitution_id="c", constitution_version="1", judge="j", model="m", prompt_version="p"
        )


def test_a_running_run_is_never_pruned(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    running = _run(db)  # started by this process, which is alive: still running
    later = datetime.now(UTC) + timedelta(days=365)
    with open_store(db) as store:
        assert store.get_run(running).status == RunStatus.RUNNING
        report = prune_store(store, older_than=timedelta(days=1), now=later)
        assert report.runs == ()
        with pytest.raises(StoreError, match="still running"):
            prune_store(store, runs=[running])


def test_a_dry_run_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    done = _run(db)
    later = datetime.now(UTC) + timedelta(days=365)
    with open_store(db) as store:
        store.finish_run(done, RunStatus.COMPLETE, {})
        report = prune_store(store, older_than=timedelta(days=30), dry_run=True, now=later)
        assert (report.runs, report.dry_run) == ((done,), True)
        assert [r.id for r in store.list_runs()] == [done]
        assert prune_store(store, older_than=timedelta(days=30), now=later).runs == (done,)
        assert store.list_runs() == []


def test_nothing_to_prune_is_an_error(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store, pytest.raises(StoreError, match="nothing"):
        prune_store(store)


def test_rows_that_point_at_a_pruned_run_go_with_it(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    done = _run(db)
    with open_store(db) as store:
        store.finish_run(done, RunStatus.COMPLETE, {})
        store.db.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, run_id REFERENCES runs (id))")
        store.db.execute("CREATE TABLE parts (job TEXT REFERENCES jobs (id))")
        store.db.execute("INSERT INTO jobs VALUES ('j1', ?)", (done,))
        store.db.execute("INSERT INTO parts VALUES ('j1')")
        assert prune_store(store, runs=[done]).runs == (done,)
        assert store.db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0
        assert store.db.execute("SELECT COUNT(*) FROM parts").fetchone()[0] == 0


def test_transcripts_other_tables_refer_to_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    done = _run(db)
    with open_store(db) as store:
        store.finish_run(done, RunStatus.COMPLETE, {})
        store.db.execute("CREATE TABLE kept (transcript_hash TEXT)")
        store.db.execute("INSERT INTO kept VALUES ('h1'), (NULL)")  # a NULL must not keep all
        for digest in ("h1", "h2"):
            store.db.execute("INSERT INTO transcripts VALUES (?, '{}')", (digest,))
        assert prune_store(store, runs=[done]).transcripts == 1
        left = [row[0] for row in store.db.execute("SELECT hash FROM transcripts")]
        assert left == ["h1"]
