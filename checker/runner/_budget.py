"""The spending cap (``max_cost``): no work starts that would pass it.

A job starts only while the measured spend, plus the estimates of the jobs in
flight, plus its own estimate (the judge's ``estimate``, when it has one) stays
within the cap; once the measured spend reaches the cap nothing more starts.
Jobs in flight finish and are kept; what never started is counted as not graded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from checker.errors import CheckerError
from checker.results import RunResult

Checker = Callable[..., Awaitable[RunResult]]


class Budget:
    """Tracks spend against an optional cap in USD."""

    def __init__(self, cap: float | None) -> None:
        self.cap = cap
        self.in_flight = 0.0
        self.stopped: str | None = None
        """Why work stopped before the end (None while it goes on)."""

    def allows(self, spent: float, estimate: float) -> bool:
        """Whether a job estimated at ``estimate`` may start now (saying why not)."""
        if self.cap is None:
            return True
        if self.stopped is None and spent + self.in_flight + estimate > self.cap:
            self.stopped = (
                f"--max-cost ${self.cap:.4f}: ${spent:.4f} spent and the next judgment's"
                f" estimate (${estimate:.4f}) would pass the cap"
            )
        return self.stopped is None

    def start(self, estimate: float) -> None:
        self.in_flight += estimate

    def finish(self, estimate: float, spent: float) -> None:
        self.in_flight -= estimate
        if self.cap is not None and self.stopped is None and spent >= self.cap:
            self.stopped = f"--max-cost ${self.cap:.4f}: ${spent:.4f} spent reached the cap"


class SpendingCap:
    """One ``--max-cost`` across the runs of a command that checks several times
    (``calibrate``, ``diff``): each run gets what the earlier ones left. A run the cap
    stopped makes the command's result incomplete, so :meth:`record` raises (the
    finished judgments are stored: a re-run with a higher cap reuses them)."""

    def __init__(self, cap: float | None, what: str) -> None:
        self.cap = cap
        self.what = what
        self.spent = 0.0

    def remaining(self) -> float | None:
        return None if self.cap is None else max(self.cap - self.spent, 0.0)

    def record(self, result: RunResult) -> RunResult:
        self.spent += result.totals.cost_usd
        t = result.totals
        if t.not_graded:
            raise CheckerError(
                f"{t.stopped}: {t.not_graded} judgments not graded, so the {self.what} would be"
                f" incomplete; the {t.judgments} finished are stored (run {result.run.id}):"
                " re-run with a higher --max-cost and they are reused"
            )
        return result

    def checker(self, check: Checker) -> Checker:
        """``check`` (``arun_check``-like) under this cap."""

        async def capped(*args: Any, **options: Any) -> RunResult:
            return self.record(await check(*args, max_cost=self.remaining(), **options))

        return capped
