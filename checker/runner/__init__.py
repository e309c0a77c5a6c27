"""Run a check: every transcript against every principle in scope, through the store.

:mod:`._check` runs and reloads checks, :mod:`._plan` plans them (``--dry-run``);
:mod:`._planner` sorts judgments into done, cached, out of scope and due (and makes
cache keys); :mod:`._executor` grades them (claims: :mod:`._leases`, the spending cap:
:mod:`._budget`), :mod:`._batch` and :mod:`._batch_books` through a batch API;
:mod:`._verdicts` writes the verdicts the runner makes itself. See
:mod:`checker.runner._check` for how a check proceeds.
"""

from checker.runner._batch_books import BatchProgress, BatchProgressCallback
from checker.runner._budget import SpendingCap
from checker.runner._check import DEFAULT_CONCURRENCY, arun_check, load_run, run_check
from checker.runner._executor import CheckProgress, ProgressCallback
from checker.runner._plan import MODES, CheckPlan, Mode, plan_check
from checker.runner._planner import cache_key, out_of_scope_reason, select_principles

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MODES",
    "BatchProgress",
    "BatchProgressCallback",
    "CheckPlan",
    "CheckProgress",
    "Mode",
    "ProgressCallback",
    "SpendingCap",
    "arun_check",
    "cache_key",
    "load_run",
    "out_of_scope_reason",
    "plan_check",
    "run_check",
    "select_principles",
]
