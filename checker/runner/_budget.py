"""The spending cap (``max_cost``): no work starts that would pass it.

A job starts only while the measured spend, plus the estimates of the jobs in
flight, plus its own estimate (the judge's ``estimate``, when it has one) stays
within the cap; once the measured spend reaches the cap nothing more starts.
Jobs in flight finish and are kept; what never started is counted as not graded.
"""

from __future__ import annotations


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
