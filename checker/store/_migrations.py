"""Numbered schema migrations of the results store, applied in order, each once.

A migration is a function named ``mNNN_description`` taking a connection; the
names applied so far are kept in the ``migrations`` table. Never edit a released
migration: add the next number.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

Migration = Callable[[sqlite3.Connection], None]


def m001_initial(db: sqlite3.Connection) -> None:
    """Runs, verdicts keyed by the judgment cache key, run links, transcripts."""
    _execute_all(
        db,
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            constitution_id TEXT NOT NULL,
            constitution_version TEXT NOT NULL,
            judge TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            totals TEXT NOT NULL DEFAULT '{}',
            pid INTEGER
        );
        CREATE TABLE verdicts (
            id INTEGER PRIMARY KEY,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            principle_hash TEXT NOT NULL,
            transcript_hash TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            principle_id TEXT NOT NULL,
            outcome TEXT NOT NULL,
            verdict TEXT NOT NULL,
            created TEXT NOT NULL
        );
        -- One reusable judgment per cache key: errors are kept (history), never reused.
        CREATE UNIQUE INDEX verdicts_cache_key ON verdicts
            (backend, model, prompt_version, principle_hash, transcript_hash, sample_index)
            WHERE outcome != 'error';
        CREATE TABLE run_verdicts (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            transcript_id TEXT NOT NULL,
            principle_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            verdict_id INTEGER NOT NULL REFERENCES verdicts (id),
            cache_hit INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, transcript_id, principle_id, sample_index)
        );
        CREATE TABLE transcripts (
            hash TEXT PRIMARY KEY,
            transcript TEXT NOT NULL
        );
        """,
    )


def m002_server_and_prompt_hash(db: sqlite3.Connection) -> None:
    """The cache key gains the judging server and the hash of the principle's rendered
    prompt. Verdicts stored before keep NULL in both ("legacy") and are carried over
    to the new key when a check first asks for them (``Store.lookup``): nobody pays
    again for the change of format."""
    _execute_all(
        db,
        """
        ALTER TABLE verdicts ADD COLUMN server TEXT;
        ALTER TABLE verdicts ADD COLUMN prompt_hash TEXT;
        DROP INDEX verdicts_cache_key;
        CREATE UNIQUE INDEX verdicts_cache_key_2 ON verdicts
            (backend, model, server, prompt_version, principle_hash, prompt_hash,
             transcript_hash, sample_index)
            WHERE outcome != 'error';
        -- Legacy rows found by the key they were stored under, until adopted.
        CREATE INDEX verdicts_legacy_key ON verdicts
            (backend, model, prompt_version, principle_hash, transcript_hash, sample_index)
            WHERE prompt_hash IS NULL;
        """,
    )


def m003_audit(db: sqlite3.Connection) -> None:
    """Audits: every completed auditor and target call by content address, each audit
    run, and the conversations it produced (their transcripts live in ``transcripts``)."""
    _execute_all(
        db,
        """
        CREATE TABLE audit_calls (
            key TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            reply TEXT NOT NULL,
            created TEXT NOT NULL
        );
        CREATE TABLE audits (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            constitution_id TEXT NOT NULL,
            constitution_version TEXT NOT NULL,
            scenarios_hash TEXT NOT NULL,
            target TEXT NOT NULL,
            auditor TEXT NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            totals TEXT NOT NULL DEFAULT '{}',
            pid INTEGER
        );
        CREATE TABLE audit_conversations (
            audit_id INTEGER NOT NULL REFERENCES audits (id),
            scenario_id TEXT NOT NULL,
            sample INTEGER NOT NULL,
            transcript_id TEXT NOT NULL,
            transcript_hash TEXT,
            status TEXT NOT NULL,
            error TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (audit_id, scenario_id, sample)
        );
        """,
    )


def m004_claims(db: sqlite3.Connection) -> None:
    """Claims on judgments (leases): one payment per judgment across processes."""
    _execute_all(
        db,
        """
        CREATE TABLE claims (
            key TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            expires REAL NOT NULL
        );
        CREATE INDEX claims_owner ON claims (owner);
        """,
    )


def m005_batches(db: sqlite3.Connection) -> None:
    """Message batches and the judgments each carries (``--batch``), for crash-safe resume."""
    _execute_all(
        db,
        """
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            provider_id TEXT UNIQUE,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            judge TEXT NOT NULL,
            model TEXT NOT NULL,
            state TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            created TEXT NOT NULL,
            info TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX batches_run ON batches (run_id, state);
        CREATE TABLE batch_requests (
            custom_id TEXT PRIMARY KEY,
            batch_id TEXT NOT NULL REFERENCES batches (id),
            claim TEXT NOT NULL,
            transcript_id TEXT NOT NULL,
            transcript_hash TEXT NOT NULL,
            principle_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
        );
        CREATE INDEX batch_requests_batch ON batch_requests (batch_id);
        """,
    )


def _execute_all(db: sqlite3.Connection, script: str) -> None:
    # One statement at a time (executescript() would commit the transaction): no ";" in comments.
    for statement in script.split(";"):
        body = "\n".join(
            line for line in statement.splitlines() if not line.strip().startswith("--")
        ).strip()
        if body:
            db.execute(body)


MIGRATIONS: tuple[Migration, ...] = (
    m001_initial,
    m002_server_and_prompt_hash,
    m003_audit,
    m004_claims,
    m005_batches,
)


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet applied; return the names applied now.

    ``db`` must be in autocommit mode (``isolation_level=None``). Each migration
    runs in its own ``BEGIN IMMEDIATE`` transaction, so two processes opening a new
    store at once apply it exactly once.
    """
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT)")
    applied: list[str] = []
    for migration in MIGRATIONS:
        name = migration.__name__
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone()
            if done is None:
                migration(db)
                db.execute(
                    "INSERT INTO migrations (name, applied) VALUES (?, ?)",
                    (name, datetime.now(UTC).isoformat()),
                )
                applied.append(name)
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back already (disk full)
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return applied
