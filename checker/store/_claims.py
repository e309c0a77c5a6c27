"""Claims on judgments: one payment per judgment, even across processes.

Before a judge is called, the runner claims the judgment's cache key in the store
(a lease: an owner and an expiry, taken in one ``BEGIN IMMEDIATE`` transaction).
A second process finding the claim held waits for the verdict or grades judgments
nobody holds. The owner renews its leases while it works; a crashed owner's
leases expire (at once when the owner was a process on this host that is gone).
A claim ends when its verdict is stored, or is released by its owner.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.store._key import CacheKey
from checker.verdict import Verdict

DEFAULT_LEASE_S = 60.0
"""How long a claim lasts unless renewed (the runner renews every third of it)."""


def new_owner() -> str:
    """A claim owner for this process: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def claim_key(key: CacheKey) -> str:
    """The claims table's key for a judgment (a digest of its whole cache key)."""
    return hashlib.sha256(json.dumps(key.as_tuple()).encode()).hexdigest()


@dataclass(slots=True)
class Claimed:
    """What :meth:`ClaimsMixin.claim` found for each key asked for."""

    mine: list[CacheKey] = field(default_factory=list)
    """Claimed for the caller now: grade these."""
    done: dict[CacheKey, tuple[int, Verdict]] = field(default_factory=dict)
    """Already judged (by another process meanwhile): ``(row id, verdict)``."""
    held: list[CacheKey] = field(default_factory=list)
    """Held by a live owner (another process, or this one grading the same content under
    another transcript id): wait for the verdict."""


class ClaimsMixin:
    """The store's claim methods (mixed into :class:`checker.store.Store`)."""

    db: sqlite3.Connection

    def lookup(  # provided by Store
        self, key: CacheKey, *, adopt_legacy: bool = True
    ) -> tuple[int, Verdict] | None:
        raise NotImplementedError

    def claim(self, keys: Sequence[CacheKey], owner: str, lease_s: float) -> Claimed:
        """Claim each judgment of ``keys`` not yet judged and not held by a live owner."""
        claimed = Claimed()
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for key in keys:
                found = self.lookup(key)
                if found is not None:
                    claimed.done[key] = found
                    continue
                digest = claim_key(key)
                row = self.db.execute(
                    "SELECT owner, expires FROM claims WHERE key = ?", (digest,)
                ).fetchone()
                if row is not None and _live(row[0], row[1], now):
                    claimed.held.append(key)
                    continue
                self.db.execute(
                    "INSERT OR REPLACE INTO claims (key, owner, expires) VALUES (?, ?, ?)",
                    (digest, owner, now + lease_s),
                )
                claimed.mine.append(key)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return claimed

    def renew_claims(self, owner: str, lease_s: float) -> int:
        """Extend every lease ``owner`` holds; return how many."""
        cursor = self.db.execute(
            "UPDATE claims SET expires = ? WHERE owner = ?", (time.time() + lease_s, owner)
        )
        return cursor.rowcount

    def release_claims(self, owner: str, keys: Iterable[CacheKey] | None = None) -> None:
        """Give up ``owner``'s claims on ``keys`` (all of them when None)."""
        if keys is None:
            self.db.execute("DELETE FROM claims WHERE owner = ?", (owner,))
            return
        digests = [(claim_key(key), owner) for key in keys]
        self.db.executemany("DELETE FROM claims WHERE key = ? AND owner = ?", digests)

    def end_claim(self, key: CacheKey) -> None:
        """The judgment is stored: its claim, whoever held it, is over."""
        self.db.execute("DELETE FROM claims WHERE key = ?", (claim_key(key),))

    def claims_held(self) -> list[dict[str, Any]]:
        """Every claim in the store (for tests and ``constitution batches``)."""
        rows = self.db.execute("SELECT key, owner, expires FROM claims ORDER BY expires")
        return [{"key": k, "owner": o, "expires": e} for k, o, e in rows]


def _live(owner: str, expires: float, now: float) -> bool:
    """Whether a claim still binds others: unexpired, and its owner not a dead local process."""
    if expires <= now:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    return _pid_alive(int(pid_text))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
