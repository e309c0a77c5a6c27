"""Read-only queries for browsing a store (``constitution view``): a page of a run at a time."""

from __future__ import annotations

from collections.abc import Iterable

from checker.store._store import LinkedVerdict, Store
from checker.verdict import Verdict


def run_transcript_ids(store: Store, run_id: int) -> list[str]:
    """The transcript ids a run judged, in the order it first saved a verdict for each."""
    rows = store.db.execute(
        "SELECT transcript_id FROM run_verdicts WHERE run_id = ?"
        " GROUP BY transcript_id ORDER BY MIN(rowid)",
        (run_id,),
    )
    return [row[0] for row in rows]


def run_verdicts_for(
    store: Store, run_id: int, transcript_ids: Iterable[str]
) -> list[LinkedVerdict]:
    """Like :meth:`Store.run_verdicts`, for some transcripts only (a page of a large run)."""
    found: list[tuple[int, LinkedVerdict]] = []
    for tid in dict.fromkeys(transcript_ids):
        rows = store.db.execute(
            "SELECT rv.rowid, rv.cache_hit, v.verdict FROM run_verdicts rv"
            " JOIN verdicts v ON v.id = rv.verdict_id"
            " WHERE rv.run_id = ? AND rv.transcript_id = ?",
            (run_id, tid),
        )
        for rowid, cache_hit, text in rows:
            verdict = Verdict.model_validate_json(text)
            if verdict.transcript_id != tid:
                verdict = verdict.model_copy(update={"transcript_id": tid})
            found.append((rowid, LinkedVerdict(verdict, bool(cache_hit))))
    found.sort(key=lambda item: item[0])
    return [item for _, item in found]


def count_run_verdicts(store: Store, run_id: int) -> int:
    """How many judgments a run holds (it grows while the run is going)."""
    row = store.db.execute("SELECT COUNT(*) FROM run_verdicts WHERE run_id = ?", (run_id,))
    return int(row.fetchone()[0])


def transcript_runs(store: Store, transcript_id: str) -> list[int]:
    """Ids of the runs that judged a transcript with this id, newest first."""
    rows = store.db.execute(
        "SELECT DISTINCT run_id FROM run_verdicts WHERE transcript_id = ? ORDER BY run_id DESC",
        (transcript_id,),
    )
    return [int(row[0]) for row in rows]


__all__ = ["count_run_verdicts", "run_transcript_ids", "run_verdicts_for", "transcript_runs"]
