"""Removing runs from the store, with the verdicts and transcripts only they used.

Transcripts are often private conversations: :func:`prune_store` removes runs (by
age, by id), their verdict links, the verdicts no remaining run uses, the rows of
other tables that point at a removed run (foreign keys), and the transcripts
nothing refers to any more (no verdict, no audit conversation). Audits are not
pruned. Deleted content is overwritten (``secure_delete``); ``vacuum`` also
rewrites the file to give the space back.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from checker.store._store import RunStatus, Store, StoreError

_AGE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What a prune removed (or, with ``dry_run``, would remove)."""

    runs: tuple[int, ...]
    links: int
    verdicts: int
    transcripts: int
    dry_run: bool
    vacuumed: bool = False


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w``, ``90m``, ``45s`` as a duration; ValueError otherwise."""
    match = _AGE.match(text)
    if match is None:
        raise ValueError(f"bad age {text!r}: expected a number and a unit, as in 30d, 12h or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def prune_store(
    store: Store,
    *,
    older_than: timedelta | None = None,
    runs: Sequence[int | str] = (),
    dry_run: bool = False,
    vacuum: bool = False,
    now: datetime | None = None,
) -> PruneReport:
    """Remove the runs started more than ``older_than`` ago and the runs listed in ``runs``.

    A run still in progress is never removed (naming one is an error). With
    ``dry_run`` nothing changes and the report says what would go.
    """
    if older_than is None and not runs:
        raise StoreError("nothing to prune: give an age (--older-than) or a run (--run)")
    chosen = _chosen_runs(store, older_than, runs, now or datetime.now(UTC))
    store.db.execute(
        "PRAGMA secure_delete=ON"
    )  # removed text is overwritten, not left in free pages
    store.db.execute("BEGIN IMMEDIATE")
    try:
        report = _delete(store, chosen, dry_run)
    except BaseException:
        if store.db.in_transaction:
            store.db.execute("ROLLBACK")
        raise
    store.db.execute("ROLLBACK" if dry_run else "COMMIT")
    if vacuum and not dry_run:
        store.db.execute("VACUUM")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        report = replace(report, vacuumed=True)
    return report


def _chosen_runs(
    store: Store, older_than: timedelta | None, runs: Sequence[int | str], now: datetime
) -> list[int]:
    chosen: dict[int, None] = {}
    for wanted in runs:
        record = store.get_run(wanted)  # StoreError names a run that does not exist
        if record.status == RunStatus.RUNNING:
            raise StoreError(f"{store.path}: run {record.id} is still running: not pruned")
        chosen[record.id] = None
    if older_than is not None:
        cutoff = (now - older_than).isoformat(timespec="seconds")
        for record in store.list_runs():
            if record.started < cutoff and record.status != RunStatus.RUNNING:
                chosen[record.id] = None
    return sorted(chosen)


def _delete(store: Store, run_ids: list[int], dry_run: bool) -> PruneReport:
    db = store.db
    for table in ("pruned_runs", "pruned_verdicts"):
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)")
        db.execute(f"DELETE FROM {table}")
    db.executemany("INSERT INTO pruned_runs (id) VALUES (?)", [(i,) for i in run_ids])
    # verdicts only the pruned runs use (a verdict reused by a kept run stays)
    db.execute(
        "INSERT INTO pruned_verdicts (id) SELECT DISTINCT verdict_id FROM run_verdicts"
        " WHERE run_id IN (SELECT id FROM pruned_runs) EXCEPT SELECT verdict_id FROM"
        " run_verdicts WHERE run_id NOT IN (SELECT id FROM pruned_runs)"
    )
    links = db.execute(
        "DELETE FROM run_verdicts WHERE run_id IN (SELECT id FROM pruned_runs)"
    ).rowcount
    verdicts = db.execute(
        "DELETE FROM verdicts WHERE id IN (SELECT id FROM pruned_verdicts)"
    ).rowcount
    pruned = "id IN (SELECT id FROM pruned_runs)"
    _delete_dependents(db, "runs", pruned)  # tables added later that point at runs
    db.execute(f"DELETE FROM runs WHERE {pruned}")
    transcripts = db.execute(
        f"DELETE FROM transcripts WHERE hash NOT IN ({_transcript_references(db)})"
    ).rowcount
    return PruneReport(tuple(run_ids), links, verdicts, transcripts, dry_run)


def _transcript_references(db: sqlite3.Connection) -> str:
    """SQL selecting every transcript hash some row still refers to: verdicts, audit
    conversations, and any other table with a ``transcript_hash`` column."""
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    selects = [
        f'SELECT transcript_hash FROM "{name}" WHERE transcript_hash IS NOT NULL'
        for name in names
        if name != "transcripts"
        and any(col[1] == "transcript_hash" for col in db.execute(f'PRAGMA table_info("{name}")'))
    ]
    return " UNION ".join(selects)


def _delete_dependents(db: sqlite3.Connection, table: str, where: str, depth: int = 0) -> None:
    """Delete the rows whose foreign keys point at the rows of ``table`` matching
    ``where`` (deepest first), so removing those rows breaks no reference."""
    if depth > 8:  # pragma: no cover - a schema this deep (or cyclic) is not ours
        raise StoreError(f"cannot prune: foreign keys on {table!r} nest too deep")
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for child in names:
        for fk in db.execute(f'PRAGMA foreign_key_list("{child}")').fetchall():
            if fk[2] != table:
                continue
            column, parent_column = fk[3], fk[4] or "rowid"
            match = f'"{column}" IN (SELECT "{parent_column}" FROM "{table}" WHERE {where})'
            _delete_dependents(db, child, match, depth + 1)
            db.execute(f'DELETE FROM "{child}" WHERE {match}')
