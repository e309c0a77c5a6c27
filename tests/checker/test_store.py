from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from checker.store import DEFAULT_DB_PATH, MIGRATIONS, CacheKey, RunStatus, StoreError, open_store
from checker.verdict import Outcome, Verdict

KEY = CacheKey(
    backend="stub",
    model="m",
    server="http://127.0.0.1:9",
    prompt_version="v1",
    principle_hash="p" * 64,
    prompt_hash="r" * 64,
    transcript_hash="t" * 64,
    sample_index=0,
)


def _verdict(outcome: Outcome = Outcome.COMPLIES, transcript_id: str = "t1") -> Verdict:
    return Verdict(transcript_id=transcript_id, principle_id="p.one", outcome=outcome)


def _run(store) -> int:  # type: ignore[no-untyped-def]
    return store.start_run(
        constitution_id="c",
        constitution_version="1.0.0",
        judge="stub",
        model="m",
        prompt_version="v1",
    )


def test_default_path_is_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store() as store:
        assert store.path == tmp_path / DEFAULT_DB_PATH
    assert (tmp_path / ".constitution" / "results.db").is_file()


def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    assert [m.__name__[:4] for m in MIGRATIONS] == ["m001", "m002", "m003", "m004", "m005"]
    open_store(tmp_path / "r.db").close()
    with open_store(tmp_path / "r.db") as store:
        names = [row[0] for row in store.db.execute("SELECT name FROM migrations")]
        mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert names == [m.__name__ for m in MIGRATIONS]
    assert mode == "wal"


def test_saved_verdict_is_found_by_its_cache_key(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        run = _run(store)
        verdict_id = store.save_verdict(run, KEY, _verdict())
        found = store.lookup(KEY)
        assert found == (verdict_id, _verdict())
        for other in (
            replace(KEY, prompt_version="v2"),
            replace(KEY, sample_index=1),
            replace(KEY, backend="other"),
            replace(KEY, model="m2"),
            replace(KEY, server="http://127.0.0.1:10"),
            replace(KEY, principle_hash="q" * 64),
            replace(KEY, prompt_hash="s" * 64),
            replace(KEY, transcript_hash="u" * 64),
        ):
            assert store.lookup(other) is None


def test_errors_are_kept_but_never_reused(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        first = _run(store)
        store.save_verdict(first, KEY, _verdict(Outcome.ERROR))
        assert store.lookup(KEY) is None
        second = _run(store)
        store.save_verdict(second, KEY, _verdict(Outcome.ERROR))
        assert store.lookup(KEY) is None
        third = _run(store)
        store.save_verdict(third, KEY, _verdict(Outcome.VIOLATES))
        assert store.lookup(KEY) is not None
        assert store.count_verdicts() == 3
        assert store.count_verdicts(include_errors=False) == 1
        assert [v.verdict.outcome for v in store.run_verdicts(first)] == [Outcome.ERROR]


def test_a_second_reusable_verdict_for_a_key_links_the_first(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        run = _run(store)
        first = store.save_verdict(run, KEY, _verdict(Outcome.COMPLIES))
        again = store.save_verdict(run, KEY, _verdict(Outcome.VIOLATES))
        assert again == first
        assert store.count_verdicts() == 1


def test_verdict_is_on_disk_before_save_returns(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.db")
    store.save_verdict(_run(store), KEY, _verdict())
    # a second connection (another process) sees it without any close or checkpoint
    other = sqlite3.connect(tmp_path / "r.db")
    assert other.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == 1
    other.close()
    store.close()


def test_runs_are_listed_newest_first_and_finished(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        a, b = _run(store), _run(store)
        store.finish_run(a, RunStatus.COMPLETE, {"calls": 3})
        runs = store.list_runs()
        assert [r.id for r in runs] == [b, a]
        assert runs[1].status == "complete" and runs[1].totals == {"calls": 3}
        assert runs[0].status == "running"
        assert store.get_run("latest").id == b
        assert store.get_run(str(a)).id == a


def test_a_running_run_whose_process_died_shows_as_interrupted(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        run = _run(store)
        store.db.execute("UPDATE runs SET pid = 999999999 WHERE id = ?", (run,))
        assert store.get_run(run).status == "interrupted"


@pytest.mark.parametrize("run_id", ["7", "nope"])
def test_unknown_run_is_a_clear_error(tmp_path: Path, run_id: str) -> None:
    with open_store(tmp_path / "r.db") as store, pytest.raises(StoreError, match=run_id):
        store.get_run(run_id)


def test_unopenable_store_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match=r"cannot (open|create)"):
        open_store(tmp_path / "file" / "r.db")


def test_cached_links_carry_the_runs_transcript_id(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        run = _run(store)
        verdict_id = store.save_verdict(run, KEY, _verdict(transcript_id="first-name"))
        later = _run(store)
        store.link_cached(later, [(verdict_id, _verdict(transcript_id="second-name"))])
        linked = store.run_verdicts(later)
        assert [(v.verdict.transcript_id, v.cache_hit) for v in linked] == [("second-name", True)]
