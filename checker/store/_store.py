"""The SQLite results store: runs, cached verdicts, and which verdicts each run used.

Durability: the database runs in WAL mode and every verdict is committed by itself
as soon as it arrives, so a process killed with ``kill -9`` loses nothing that was
finished (``synchronous=NORMAL`` keeps commits cheap; it only risks the last
transactions on a power loss, not on a crash of the process).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checker.errors import CheckerError
from checker.secrets import scrub_secrets
from checker.store._batches import BatchesMixin
from checker.store._claims import ClaimsMixin
from checker.store._key import KEY_COLUMNS, KEY_MATCH, LEGACY_MATCH, CacheKey
from checker.transcript import Transcript
from checker.verdict import Verdict

DEFAULT_DB_PATH = Path(".constitution") / "results.db"
"""Relative to the working directory."""


class StoreError(CheckerError):
    """The results store cannot be opened or written, or a run asked for does not exist."""


def describe_store_failure(db_path: Path, exc: sqlite3.Error) -> str:
    """One line saying what went wrong with the store at ``db_path`` and what to do."""
    text = str(exc)
    lowered = text.lower()
    if "disk is full" in lowered or "disk i/o" in lowered:
        return (
            f"{db_path}: the results store cannot be written: {text}; what was stored before"
            " is kept (free some space, then re-run: nothing finished is judged again)"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return f"{db_path}: the results store is read-only ({text}); make it writable"
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return (
            f"{db_path}: the results store is damaged ({text}); move it away to start a new"
            f" one (`sqlite3 {db_path} .recover` may save its contents)"
        )
    return f"{db_path}: the results store failed: {text}"


class RunStatus:
    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    SUBMITTED = "submitted"
    """Its batches were submitted and it did not wait (``--no-wait``): ``--resume`` collects."""
    STOPPED = "stopped"
    """The spending cap stopped it: ``--resume`` it to grade the rest."""
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One row of the ``runs`` table."""

    id: int
    started: str
    finished: str | None
    constitution_id: str
    constitution_version: str
    judge: str
    model: str
    prompt_version: str
    status: str
    options: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)
    pid: int | None = None


@dataclass(frozen=True, slots=True)
class LinkedVerdict:
    """A verdict as a run used it (``cache_hit``: reused from an earlier judgment)."""

    verdict: Verdict
    cache_hit: bool


def _scrubbed(verdict: Verdict) -> Verdict:
    """``verdict`` with no secret left in its error text (see :mod:`checker.secrets`)."""
    if verdict.error is None:
        return verdict
    clean = scrub_secrets(verdict.error)
    return verdict if clean == verdict.error else verdict.model_copy(update={"error": clean})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store(ClaimsMixin, BatchesMixin):
    """A results database. Use :func:`open_store`; close it (or use ``with``) when done."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    # -- lifecycle ---------------------------------------------------------------
    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        """Close; an SQLite failure inside the block leaves as one clear :class:`StoreError`."""
        self.close()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(describe_store_failure(self.path, exc)) from exc

    def _rollback(self) -> None:
        # SQLite may have rolled back already (disk full): a second ROLLBACK would
        # raise and hide the real failure
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    # -- runs ----------------------------------------------------------------------
    def start_run(
        self,
        *,
        constitution_id: str,
        constitution_version: str,
        judge: str,
        model: str,
        prompt_version: str,
        options: dict[str, Any] | None = None,
    ) -> int:
        """Record a new run with status ``running``; return its id."""
        cursor = self.db.execute(
            "INSERT INTO runs (started, constitution_id, constitution_version, judge, model,"
            " prompt_version, options, status, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _now(),
                constitution_id,
                constitution_version,
                judge,
                model,
                prompt_version,
                json.dumps(options or {}, sort_keys=True),
                RunStatus.RUNNING,
                os.getpid(),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def reopen_run(self, run_id: int) -> RunRecord:
        """Mark an earlier run as running again (resume) and return it."""
        run = self.get_run(run_id)
        self.db.execute(
            "UPDATE runs SET status = ?, finished = NULL, pid = ? WHERE id = ?",
            (RunStatus.RUNNING, os.getpid(), run_id),
        )
        return run

    def finish_run(self, run_id: int, status: str, totals: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE runs SET status = ?, finished = ?, totals = ? WHERE id = ?",
            (status, _now(), json.dumps(totals, sort_keys=True), run_id),
        )

    def get_run(self, run_id: int | str) -> RunRecord:
        """The run with this id; ``latest`` names the most recent run."""
        if isinstance(run_id, str):
            run_id = self._parse_run_id(run_id)
        row = self.db.execute(f"{_RUN_SELECT} WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no run {run_id}")
        return _run_record(row)

    def list_runs(self, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first."""
        sql = f"{_RUN_SELECT} ORDER BY id DESC"
        params: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        return [_run_record(row) for row in self.db.execute(sql, params)]

    def _parse_run_id(self, text: str) -> int:
        if text == "latest":
            row = self.db.execute("SELECT MAX(id) FROM runs").fetchone()
            if row[0] is None:
                raise StoreError(f"{self.path}: no runs yet")
            return int(row[0])
        try:
            return int(text)
        except ValueError:
            raise StoreError(f"bad run id {text!r}: expected a number or 'latest'") from None

    # -- verdicts ------------------------------------------------------------------
    def lookup(self, key: CacheKey, *, adopt_legacy: bool = True) -> tuple[int, Verdict] | None:
        """The reusable verdict stored under ``key`` (never an ``error``), with its row id.

        A verdict stored before the key had ``server`` and ``prompt_hash`` (migration 2)
        is found by the rest of the key and, with ``adopt_legacy``, moved to ``key``
        in place (see ``docs/VERDICT.md``); without it (a dry run) it is only found.
        """
        row = self.db.execute(
            f"SELECT id, verdict FROM verdicts WHERE {KEY_MATCH} AND outcome != 'error'",
            key.as_tuple(),
        ).fetchone()
        if row is None:
            row = self._legacy(key, adopt=adopt_legacy)
        if row is None:
            return None
        return int(row[0]), Verdict.model_validate_json(row[1])

    def _legacy(self, key: CacheKey, *, adopt: bool) -> tuple[int, str] | None:
        row = self.db.execute(
            f"SELECT id, verdict FROM verdicts WHERE {LEGACY_MATCH} AND outcome != 'error'"
            " ORDER BY id LIMIT 1",
            key.legacy_tuple(),
        ).fetchone()
        if row is None or not adopt:
            return row
        try:
            cursor = self.db.execute(
                "UPDATE verdicts SET server = ?, prompt_hash = ? WHERE id = ? AND"
                " prompt_hash IS NULL",
                (key.server, key.prompt_hash, row[0]),
            )
        except sqlite3.IntegrityError:  # another process stored a verdict under key meanwhile
            cursor = None
        if cursor is None or cursor.rowcount != 1:  # someone else adopted or beat us to it
            return self.db.execute(
                f"SELECT id, verdict FROM verdicts WHERE {KEY_MATCH} AND outcome != 'error'",
                key.as_tuple(),
            ).fetchone()
        return int(row[0]), str(row[1])

    def replace_verdict(self, verdict_id: int, verdict: Verdict) -> None:
        """Rewrite a stored verdict under its key (e.g. its evidence checked again)."""
        self.db.execute(
            "UPDATE verdicts SET verdict = ?, outcome = ? WHERE id = ?",
            (_scrubbed(verdict).model_dump_json(), verdict.outcome.value, verdict_id),
        )

    def save_verdict(self, run_id: int, key: CacheKey, verdict: Verdict) -> int:
        """Store ``verdict`` under ``key``, link it to the run, commit; return its row id.

        If another process stored a reusable verdict for ``key`` meanwhile, that one
        is kept and linked instead.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cursor = self.db.execute(
                f"INSERT INTO verdicts ({KEY_COLUMNS}, principle_id, outcome, verdict,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    *key.as_tuple(),
                    verdict.principle_id,
                    verdict.outcome.value,
                    _scrubbed(verdict).model_dump_json(),
                    _now(),
                ),
            )
            if cursor.rowcount == 1 and cursor.lastrowid is not None:
                verdict_id = cursor.lastrowid
            else:
                found = self.lookup(key, adopt_legacy=False)
                assert found is not None
                verdict_id = found[0]
            self._link(run_id, verdict, verdict_id, cache_hit=False)
            self.end_claim(key)
        except BaseException:
            self._rollback()
            raise
        self.db.execute("COMMIT")
        return verdict_id

    def link_cached(self, run_id: int, hits: Iterable[tuple[int, Verdict]]) -> None:
        """Link reused verdicts (``(row id, verdict)``) to a run in one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for verdict_id, verdict in hits:
                self._link(run_id, verdict, verdict_id, cache_hit=True)
        except BaseException:
            self._rollback()
            raise
        self.db.execute("COMMIT")

    def _link(self, run_id: int, verdict: Verdict, verdict_id: int, *, cache_hit: bool) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO run_verdicts (run_id, transcript_id, principle_id,"
            " sample_index, verdict_id, cache_hit) VALUES (?, ?, ?, ?, ?, ?)",
            (
                run_id,
                verdict.transcript_id,
                verdict.principle_id,
                verdict.sample_index,
                verdict_id,
                int(cache_hit),
            ),
        )

    def run_verdicts(self, run_id: int) -> list[LinkedVerdict]:
        """Every verdict a run used, in a stable order; ``transcript_id`` as the run saw it."""
        rows = self.db.execute(
            "SELECT rv.transcript_id, rv.cache_hit, v.verdict FROM run_verdicts rv"
            " JOIN verdicts v ON v.id = rv.verdict_id WHERE rv.run_id = ?"
            " ORDER BY rv.rowid",
            (run_id,),
        )
        linked: list[LinkedVerdict] = []
        for transcript_id, cache_hit, text in rows:
            verdict = Verdict.model_validate_json(text)
            if verdict.transcript_id != transcript_id:
                verdict = verdict.model_copy(update={"transcript_id": transcript_id})
            linked.append(LinkedVerdict(verdict, bool(cache_hit)))
        return linked

    def iter_run_verdicts(self, run_id: int) -> Iterator[LinkedVerdict]:
        """A run's verdicts ordered by (transcript, principle, sample), read as iterated:
        memory stays flat however large the run."""
        rows = self.db.execute(
            "SELECT rv.transcript_id, rv.cache_hit, v.verdict FROM run_verdicts rv"
            " JOIN verdicts v ON v.id = rv.verdict_id WHERE rv.run_id = ?"
            " ORDER BY rv.transcript_id, rv.principle_id, rv.sample_index",
            (run_id,),
        )
        for transcript_id, cache_hit, text in rows:
            verdict = Verdict.model_validate_json(text)
            if verdict.transcript_id != transcript_id:
                verdict = verdict.model_copy(update={"transcript_id": transcript_id})
            yield LinkedVerdict(verdict, bool(cache_hit))

    def run_done_pairs(self, run_id: int) -> set[tuple[str, str, int]]:
        """(transcript id, principle id, sample) a run already holds a non-error verdict for."""
        rows = self.db.execute(
            "SELECT rv.transcript_id, rv.principle_id, rv.sample_index FROM run_verdicts rv"
            " JOIN verdicts v ON v.id = rv.verdict_id WHERE rv.run_id = ? AND v.outcome != 'error'",
            (run_id,),
        )
        return {(t, p, int(s)) for t, p, s in rows}

    def count_verdicts(self, *, include_errors: bool = True) -> int:
        where = "" if include_errors else " WHERE outcome != 'error'"
        return int(self.db.execute(f"SELECT COUNT(*) FROM verdicts{where}").fetchone()[0])

    def iter_verdicts(self, *, backend: str | None = None) -> Iterator[Verdict]:
        """Every stored reusable verdict (optionally of one backend), oldest first."""
        sql = "SELECT verdict FROM verdicts WHERE outcome != 'error'"
        params: tuple[str, ...] = ()
        if backend is not None:
            sql += " AND backend = ?"
            params = (backend,)
        for (text,) in self.db.execute(sql + " ORDER BY id", params):
            yield Verdict.model_validate_json(text)

    # -- transcripts ---------------------------------------------------------------
    def save_transcript(self, transcript: Transcript, transcript_hash: str | None = None) -> None:
        """Keep the transcript a verdict was made on (once per content hash)."""
        digest = transcript_hash or transcript.content_hash()
        exists = self.db.execute("SELECT 1 FROM transcripts WHERE hash = ?", (digest,)).fetchone()
        if exists is None:
            self.db.execute(
                "INSERT OR IGNORE INTO transcripts (hash, transcript) VALUES (?, ?)",
                (digest, transcript.model_dump_json()),
            )

    def transcript_locations(self, hashes: Iterable[str]) -> dict[str, str]:
        """Where each stored transcript was read (``file:line``, or the file), by hash:
        the place it was first seen; transcripts with no recorded source are left out."""
        found: dict[str, str] = {}
        sql = (
            "SELECT json_extract(transcript, '$.metadata.source'),"
            " json_extract(transcript, '$.metadata.line') FROM transcripts WHERE hash = ?"
        )
        for digest in dict.fromkeys(hashes):
            row = self.db.execute(sql, (digest,)).fetchone()
            if row is not None and isinstance(row[0], str):
                found[digest] = f"{row[0]}:{row[1]}" if isinstance(row[1], int) else row[0]
        return found

    def get_transcript(self, transcript_hash: str) -> Transcript | None:
        row = self.db.execute(
            "SELECT transcript FROM transcripts WHERE hash = ?", (transcript_hash,)
        ).fetchone()
        return None if row is None else Transcript.model_validate_json(row[0])


_RUN_SELECT = (
    "SELECT id, started, finished, constitution_id, constitution_version, judge, model,"
    " prompt_version, status, options, totals, pid FROM runs"
)


def _run_record(row: tuple[Any, ...]) -> RunRecord:
    status = row[8]
    pid = row[11]
    if status == RunStatus.RUNNING and pid is not None and not _alive(pid):
        status = RunStatus.INTERRUPTED
    return RunRecord(
        id=row[0],
        started=row[1],
        finished=row[2],
        constitution_id=row[3],
        constitution_version=row[4],
        judge=row[5],
        model=row[6],
        prompt_version=row[7],
        status=status,
        options=json.loads(row[9]),
        totals=json.loads(row[10]),
        pid=pid,
    )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
