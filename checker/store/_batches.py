"""Message batches in the store: written before and as soon as the provider knows them.

A batch is recorded (``preparing``, with the custom id of every judgment it
carries) in one transaction before it is created at the provider; the provider's
batch id is stored the moment it is returned (``submitted``); a batch whose
results are all stored is ``collected``. A batch found ``preparing`` after a
crash may or may not exist at the provider: the runner reconciles it with the
provider's list before sending anything again (``unsent`` when it never was).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PREPARING = "preparing"
SUBMITTED = "submitted"
COLLECTED = "collected"
UNSENT = "unsent"


@dataclass(frozen=True, slots=True)
class BatchRequestRow:
    """One judgment carried by a batch."""

    custom_id: str
    claim: str
    transcript_id: str
    transcript_hash: str
    principle_id: str
    sample_index: int
    attempt: int
    state: str = "pending"


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One batch as the store knows it."""

    id: str
    provider_id: str | None
    run_id: int
    judge: str
    model: str
    state: str
    attempt: int
    requests: int
    created: str
    info: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class BatchesMixin:
    """The store's batch methods (mixed into :class:`checker.store.Store`)."""

    db: sqlite3.Connection

    def prepare_batch(
        self,
        batch_id: str,
        run_id: int,
        judge: str,
        model: str,
        attempt: int,
        requests: Sequence[BatchRequestRow],
        *,
        claim_owner: str,
        claim_expires: float,
        retried: Sequence[str] = (),
    ) -> None:
        """Record a batch and its requests before it is created at the provider, in one
        transaction: hand the requests' claims to ``claim_owner`` (the batch) and mark
        ``retried`` the custom ids of earlier batches whose judgments it carries again."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.move_claims([r.claim for r in requests], claim_owner, claim_expires)
            self.db.executemany(
                "UPDATE batch_requests SET state = 'retried' WHERE custom_id = ?",
                [(custom_id,) for custom_id in retried],
            )
            self.db.execute(
                "INSERT INTO batches (id, run_id, judge, model, state, attempt, requests,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (batch_id, run_id, judge, model, PREPARING, attempt, len(requests), _now()),
            )
            self.db.executemany(
                "INSERT INTO batch_requests (custom_id, batch_id, claim, transcript_id,"
                " transcript_hash, principle_id, sample_index, attempt, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.custom_id,
                        batch_id,
                        r.claim,
                        r.transcript_id,
                        r.transcript_hash,
                        r.principle_id,
                        r.sample_index,
                        r.attempt,
                        r.state,
                    )
                    for r in requests
                ],
            )
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def batch_submitted(self, batch_id: str, provider_id: str, info: dict[str, Any]) -> None:
        """The provider returned its id for the batch: keep it at once."""
        self.db.execute(
            "UPDATE batches SET provider_id = ?, state = ?, info = ? WHERE id = ?",
            (provider_id, SUBMITTED, json.dumps(info), batch_id),
        )

    def set_batch_state(
        self, batch_id: str, state: str, info: dict[str, Any] | None = None
    ) -> None:
        if info is None:
            self.db.execute("UPDATE batches SET state = ? WHERE id = ?", (state, batch_id))
        else:
            self.db.execute(
                "UPDATE batches SET state = ?, info = ? WHERE id = ?",
                (state, json.dumps(info), batch_id),
            )

    def set_request_states(self, states: Iterable[tuple[str, str]]) -> None:
        """``(custom id, state)`` pairs: ``done``, ``retried``, ``error`` or ``canceled``."""
        self.db.executemany(
            "UPDATE batch_requests SET state = ? WHERE custom_id = ?",
            [(state, custom_id) for custom_id, state in states],
        )

    def batches(self, *, run_id: int | None = None, states: Sequence[str] = ()) -> list[BatchRow]:
        """Batches (of one run, in some states), oldest first."""
        sql = (
            "SELECT id, provider_id, run_id, judge, model, state, attempt, requests, created,"
            " info FROM batches WHERE 1 = 1"
        )
        params: list[Any] = []
        if run_id is not None:
            sql += " AND run_id = ?"
            params.append(run_id)
        if states:
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        rows = self.db.execute(sql + " ORDER BY rowid", params).fetchall()
        return [
            BatchRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]))
            for r in rows
        ]

    def batch_requests(self, batch_id: str) -> list[BatchRequestRow]:
        rows = self.db.execute(
            "SELECT custom_id, claim, transcript_id, transcript_hash, principle_id,"
            " sample_index, attempt, state FROM batch_requests WHERE batch_id = ?"
            " ORDER BY rowid",
            (batch_id,),
        ).fetchall()
        return [BatchRequestRow(*row) for row in rows]

    def run_canceled_pairs(self, run_id: int) -> set[tuple[str, str, int]]:
        """(transcript id, principle id, sample) of the run's requests canceled in a batch."""
        rows = self.db.execute(
            "SELECT r.transcript_id, r.principle_id, r.sample_index FROM batch_requests r"
            " JOIN batches b ON b.id = r.batch_id WHERE b.run_id = ? AND r.state = 'canceled'",
            (run_id,),
        )
        return {(t, p, int(s)) for t, p, s in rows}

    def run_pending_requests(self, run_id: int) -> int:
        """Judgments of the run waiting in batches at the provider (or about to be)."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM batch_requests r JOIN batches b ON b.id = r.batch_id"
            " WHERE b.run_id = ? AND r.state = 'pending' AND b.state IN (?, ?)",
            (run_id, SUBMITTED, PREPARING),
        ).fetchone()
        return int(row[0])

    def move_claims(self, claims: Iterable[str], owner: str, expires: float) -> None:
        """Hand claims (by claim key) to a new owner, e.g. the follow-up batch of a retry."""
        self.db.executemany(
            "INSERT OR REPLACE INTO claims (key, owner, expires) VALUES (?, ?, ?)",
            [(claim, owner, expires) for claim in claims],
        )

    def drop_claims(self, claims: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM claims WHERE key = ?", [(c,) for c in claims])
