"""Which revision of a principle each human label was made for, so stale labels are caught.

A label counts only for the principle revision it was made for. The revision is
the principle's version and content hash (:meth:`Principle.content_hash`):

- when the labels file names it (``principle_version`` / ``principle_hash``),
  the label is *stale* as soon as the principle differs from it;
- otherwise the label is stamped, the first time it is used, with the revision
  current then, and kept in the results store (table ``calibration_labels``,
  keyed by transcript content hash and principle id). When the principle is
  later revised, the same label is stale until someone confirms it for the new
  revision (``confirm=True``, ``--confirm-labels``) or changes it: a changed
  label counts as made for the current revision.

Stale labels are reported and left out of every metric, never silently reused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from checker.calibration.labels import HumanLabel, LabelError
from constitution.model import Constitution, Label, Principle

MIGRATION_NAME = "calibration_m001_labels"
"""Recorded in the store's ``migrations`` table beside the store's own migrations."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calibration_labels (
    transcript_hash TEXT NOT NULL,
    principle_id TEXT NOT NULL,
    transcript_id TEXT NOT NULL,
    label TEXT NOT NULL,
    principle_version INTEGER NOT NULL,
    principle_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded TEXT NOT NULL,
    PRIMARY KEY (transcript_hash, principle_id)
)
"""


@dataclass(frozen=True, slots=True)
class StampedLabel:
    """A label bound to the principle revision it counts for."""

    label: HumanLabel
    principle_version: int
    principle_hash: str
    transcript_hash: str


@dataclass(frozen=True, slots=True)
class StaleLabel:
    """A label made for another revision of its principle, with the reason."""

    label: HumanLabel
    reason: str


@dataclass(slots=True)
class BoundLabels:
    current: list[StampedLabel] = field(default_factory=list)
    stale: list[StaleLabel] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Stamp:
    label: Label
    principle_version: int
    principle_hash: str


class LabelRegistry:
    """The stamps of labels seen before, kept in the results store's database."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT)"
        )
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(_SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO migrations (name, applied) VALUES (?, ?)",
                (MIGRATION_NAME, _now()),
            )
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get(self, transcript_hash: str, principle_id: str) -> _Stamp | None:
        row = self.db.execute(
            "SELECT label, principle_version, principle_hash FROM calibration_labels"
            " WHERE transcript_hash = ? AND principle_id = ?",
            (transcript_hash, principle_id),
        ).fetchone()
        return None if row is None else _Stamp(Label(row[0]), int(row[1]), str(row[2]))

    def knows_principle(self, principle_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM calibration_labels WHERE principle_id = ? LIMIT 1", (principle_id,)
        ).fetchone()
        return row is not None

    def record(self, stamped: Sequence[StampedLabel]) -> None:
        """Keep (or replace) the stamps of ``stamped`` in one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for item in stamped:
                self.db.execute(
                    "INSERT OR REPLACE INTO calibration_labels (transcript_hash, principle_id,"
                    " transcript_id, label, principle_version, principle_hash, source, recorded)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item.transcript_hash,
                        item.label.principle_id,
                        item.label.transcript_id,
                        item.label.label.value,
                        item.principle_version,
                        item.principle_hash,
                        item.label.where,
                        _now(),
                    ),
                )
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _revision(version: int, digest: str) -> str:
    return f"version {version} ({digest[:12]})"


def bind_labels(
    labels: Sequence[HumanLabel],
    constitution: Constitution,
    transcript_hashes: Mapping[str, str],
    registry: LabelRegistry | None,
    *,
    confirm: bool = False,
) -> BoundLabels:
    """Split ``labels`` into those that count for the current principles and stale ones.

    ``transcript_hashes`` maps each labelled transcript id to its content hash
    (labels for other transcripts must be filtered out before). A label naming a
    principle the constitution lacks is an error, unless the registry knows the
    principle from earlier labels (it was removed: the label is stale). The
    current labels' stamps are recorded in ``registry``.
    """
    principles = {p.id: p for p in constitution.principles}
    bound = BoundLabels()
    for label in labels:
        principle = principles.get(label.principle_id)
        if principle is None:
            if registry is not None and registry.knows_principle(label.principle_id):
                gone = f"principle {label.principle_id!r} is no longer in the constitution"
                bound.stale.append(StaleLabel(label, gone))
                continue
            known = ", ".join(principles) or "none"
            raise LabelError(
                label.source,
                label.line,
                f"no principle {label.principle_id!r} in constitution {constitution.id}"
                f" (known: {known})",
            )
        transcript_hash = transcript_hashes[label.transcript_id]
        reason = _stale_reason(label, principle, transcript_hash, registry, confirm)
        if reason is not None:
            bound.stale.append(StaleLabel(label, reason))
        else:
            bound.current.append(
                StampedLabel(label, principle.version, principle.content_hash(), transcript_hash)
            )
    if registry is not None:
        registry.record(bound.current)
    return bound


def _stale_reason(
    label: HumanLabel,
    principle: Principle,
    transcript_hash: str,
    registry: LabelRegistry | None,
    confirm: bool,
) -> str | None:
    digest = principle.content_hash()
    now = _revision(principle.version, digest)
    if label.principle_hash is not None or label.principle_version is not None:
        if label.principle_hash is not None and not digest.startswith(label.principle_hash):
            made = label.principle_hash[:12]
            return f"labelled for principle hash {made}; the principle is now {now}"
        if label.principle_version is not None and label.principle_version != principle.version:
            return f"labelled for version {label.principle_version}; the principle is now {now}"
        return None
    if registry is None or confirm:
        return None
    stamp = registry.get(transcript_hash, label.principle_id)
    if stamp is None or stamp.label is not label.label or stamp.principle_hash == digest:
        return None
    return (
        f"labelled for {_revision(stamp.principle_version, stamp.principle_hash)};"
        f" the principle is now {now}: check the label, then confirm it (--confirm-labels)"
    )
