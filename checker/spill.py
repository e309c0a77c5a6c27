"""An index of strings kept in a private temporary SQLite file: memory stays flat.

Checks of millions of transcripts must remember every transcript id (to refuse one
used twice) without holding them all: :class:`SpillIndex` keeps them on disk, with
SQLite's page cache (a few MB) in memory. The file is deleted when it is closed or
collected.
"""

from __future__ import annotations

import contextlib
import sqlite3

BATCH = 10_000
"""Writes committed together (each commit is a cheap write to the temporary file)."""


class SpillIndex:
    """``key -> value`` (both strings; the value optional), on disk."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)  # "": a private temporary file
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE k (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
        self._pending = 0
        self._db.execute("BEGIN")

    def get(self, key: str) -> str | None:
        """The value stored under ``key`` ("" when stored without one), else None."""
        row = self._db.execute("SELECT value FROM k WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0] or "")

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def add(self, key: str, value: str = "") -> bool:
        """Store ``key`` unless present; True when it was new."""
        cursor = self._db.execute("INSERT OR IGNORE INTO k VALUES (?, ?)", (key, value))
        self._pending += 1
        if self._pending >= BATCH:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN")
            self._pending = 0
        return cursor.rowcount == 1

    def close(self) -> None:
        self._db.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # the interpreter may be shutting down
            self._db.close()
