"""Opening the results store, and saying clearly why a store cannot be used.

A new store is built under a temporary name and linked into place complete, so a
file found at the store's path was written by someone: an empty (0-byte) file, a
file that is not SQLite, an SQLite database without the store's tables, a damaged
or read-only database are each refused with one line naming the file, and the
file is never written to, migrated or treated as empty.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

from checker.store._migrations import migrate
from checker.store._store import DEFAULT_DB_PATH, Store, StoreError, describe_store_failure

SQLITE_HEADER = b"SQLite format 3\x00"
STORE_TABLES = frozenset({"migrations", "runs", "verdicts", "run_verdicts", "transcripts"})
_KEEP = "it was left untouched; pass another --db, or move it away to start a new store"


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> Store:
    """Open (creating and migrating if needed) the store at ``path``.

    ``None`` means :data:`DEFAULT_DB_PATH` under the current working directory.
    ``read_only`` opens an existing store through SQLite's ``mode=ro`` URI: nothing
    is created or migrated, and any write fails inside SQLite itself. Raises
    :class:`StoreError` (one line naming the file) for anything that is not a
    usable store.
    """
    db_path = Path(path) if path is not None else Path.cwd() / DEFAULT_DB_PATH
    if read_only:
        if not db_path.is_file():
            raise StoreError(f"{db_path}: no results store here (run `constitution check` first)")
        return _open_existing(db_path, read_only=True)
    if not os.path.lexists(db_path):
        _create(db_path)
    return _open_existing(db_path, read_only=False)


def _open_existing(db_path: Path, *, read_only: bool) -> Store:
    _check_file(db_path, read_only=read_only)
    uri = db_path.resolve().as_uri() + ("?mode=ro" if read_only else "?mode=rw")
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30.0)
    except sqlite3.Error as exc:
        raise StoreError(describe_store_failure(db_path, exc)) from exc
    try:
        _check_tables(db, db_path)
        if not read_only:
            configure(db)
            migrate(db)
    except (StoreError, sqlite3.Error) as exc:
        db.close()
        if isinstance(exc, StoreError):
            raise
        raise StoreError(describe_store_failure(db_path, exc)) from exc
    return Store(db, db_path)


def configure(db: sqlite3.Connection) -> None:
    """The connection settings of a writable store (WAL, cheap commits, foreign keys)."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")


def _check_file(db_path: Path, *, read_only: bool) -> None:
    """Refuse what is not an SQLite database before SQLite sees it."""
    try:
        if not db_path.is_file():
            raise StoreError(f"{db_path}: not a results store (not a regular file); {_KEEP}")
        with db_path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{db_path}: cannot read the results store: {_os_reason(exc)}") from exc
    if not head:
        raise StoreError(f"{db_path}: not a results store (the file is empty, 0 bytes); {_KEEP}")
    if head != SQLITE_HEADER:
        raise StoreError(f"{db_path}: not a results store (not an SQLite database); {_KEEP}")
    if not read_only and not _writable(db_path):
        raise StoreError(
            f"{db_path}: the results store is read-only (the file or its folder cannot be"
            " written); make it writable, or pass another --db"
        )


def _writable(db_path: Path) -> bool:
    # access() also sees the immutable flag (chattr +i), which stops even root
    return os.access(db_path, os.W_OK) and os.access(db_path.parent, os.W_OK | os.X_OK)


def _check_tables(db: sqlite3.Connection, db_path: Path) -> None:
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not names >= STORE_TABLES:
        what = "an SQLite database without the store's tables"
        raise StoreError(f"{db_path}: not a results store ({what}); {_KEEP}")


def _create(db_path: Path) -> None:
    """Build a new store under a temporary name, then link it into place whole."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{db_path}: cannot create the results store: {_os_reason(exc)}") from exc
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    try:
        db = sqlite3.connect(tmp, isolation_level=None, timeout=30.0)
        try:
            configure(db)
            migrate(db)
        finally:
            db.close()
        _link_into_place(tmp, db_path)
    except sqlite3.Error as exc:
        raise StoreError(describe_store_failure(db_path, exc)) from exc
    except OSError as exc:
        raise StoreError(f"{db_path}: cannot create the results store: {_os_reason(exc)}") from exc
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)


def _link_into_place(tmp: Path, db_path: Path) -> None:
    try:
        os.link(tmp, db_path)
    except FileExistsError:
        pass  # another process created the store first: use theirs
    except OSError:  # a file system without hard links: a (racy) rename instead
        if not os.path.lexists(db_path):
            os.replace(tmp, db_path)


def _os_reason(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"
