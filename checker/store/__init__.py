"""The results store: SQLite with numbered migrations, a judgment cache and run history.

Open it with :func:`open_store` (default ``.constitution/results.db`` under the
working directory). A judgment is reused when its :class:`CacheKey` matches:
(backend, model, server, prompt version, principle content hash, rendered principle
prompt hash, transcript hash, sample index). ``error`` verdicts are stored but never
reused, so a re-run retries them.
"""

from checker.store._batches import BatchRequestRow, BatchRow
from checker.store._browse import (
    count_run_verdicts,
    run_transcript_ids,
    run_verdicts_for,
    transcript_runs,
)
from checker.store._claims import Claimed
from checker.store._key import CacheKey
from checker.store._migrations import MIGRATIONS, migrate
from checker.store._open import open_store
from checker.store._prune import PruneReport, parse_age, prune_store
from checker.store._store import (
    DEFAULT_DB_PATH,
    LinkedVerdict,
    RunRecord,
    RunStatus,
    Store,
    StoreError,
)

__all__ = [
    "DEFAULT_DB_PATH",
    "MIGRATIONS",
    "BatchRequestRow",
    "BatchRow",
    "CacheKey",
    "Claimed",
    "LinkedVerdict",
    "PruneReport",
    "RunRecord",
    "RunStatus",
    "Store",
    "StoreError",
    "count_run_verdicts",
    "migrate",
    "open_store",
    "parse_age",
    "prune_store",
    "run_transcript_ids",
    "run_verdicts_for",
    "transcript_runs",
]
