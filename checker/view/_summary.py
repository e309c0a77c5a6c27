"""Run-wide summaries for paged run pages, computed once per run state in the background.

A run page shows the whole run's totals, chart, per-principle table and worst
transcripts above one page of its transcripts. Those come from the same code as
the static report (:func:`checker.runner.load_run`), which reads every verdict of
the run: seconds for 100,000 judgments. So each summary is computed once, in a
worker thread with its own read-only connection, and kept while the run does not
change (same status and number of judgments). A page that cannot wait for it
shows its own transcripts at once and says the summary is still coming.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from checker.output.html import PROBLEM_OUTCOMES
from checker.results import PairResult, PrincipleSummary, RunTotals, TranscriptSummary
from checker.runner import load_run
from checker.store import open_store
from checker.verdict import QuoteMatch, Verdict

SummaryKey = tuple[int, str, int, str]
"""(run id, status, judgments linked so far, finished): a run that changes gets a new one."""
KEEP = 8
"""Summaries kept in memory (the most recent)."""


@dataclass(frozen=True, slots=True)
class PairFacts:
    """What the run page's filters ask of one (transcript, principle) pair."""

    principle_id: str
    outcome: str
    problem: bool


@dataclass(frozen=True, slots=True)
class RunSummary:
    totals: RunTotals
    principles: tuple[PrincipleSummary, ...]
    worst: tuple[TranscriptSummary, ...]
    pairs: dict[str, list[PairFacts]]
    """By transcript id, in the run's order."""

    def select(self, principle: str, outcome: str, problems: bool) -> list[str]:
        """Transcript ids with at least one pair matching every given filter."""
        return [
            tid
            for tid, facts in self.pairs.items()
            if any(
                (not principle or f.principle_id == principle)
                and (not outcome or f.outcome == outcome)
                and (not problems or f.problem)
                for f in facts
            )
        ]


def pair_is_problem(pair: PairResult, samples: Sequence[Verdict]) -> bool:
    """The report's "only violations, errors and flags" rule (``PairView.problem``)."""
    return (
        pair.outcome in PROBLEM_OUTCOMES
        or pair.unstable
        or pair.unsupported_violation
        or any(v.error for v in samples)
        or any(e.match is QuoteMatch.UNVERIFIED for v in samples for e in v.evidence)
    )


def compute_summary(db_path: Path, run_id: int) -> RunSummary:
    """Read the whole run (read-only) and keep what its pages need."""
    with open_store(db_path, read_only=True) as store:
        result = load_run(store, run_id)
    samples: dict[tuple[str, str], list[Verdict]] = {}
    for verdict in result.verdicts:
        samples.setdefault((verdict.transcript_id, verdict.principle_id), []).append(verdict)
    pairs: dict[str, list[PairFacts]] = {}
    for pair in result.pairs:
        found = samples.get((pair.transcript_id, pair.principle_id), [])
        facts = PairFacts(pair.principle_id, pair.outcome.value, pair_is_problem(pair, found))
        pairs.setdefault(pair.transcript_id, []).append(facts)
    return RunSummary(result.totals, result.principles, result.worst_transcripts, pairs)


class SummaryCache:
    """Summaries by run state; each computed once, one at a time, in a daemon thread
    (so Ctrl-C never waits for one)."""

    def __init__(
        self, db_path: Path, compute: Callable[[Path, int], RunSummary] = compute_summary
    ) -> None:
        self.db_path = db_path
        self.compute = compute
        self._futures: dict[SummaryKey, Future[RunSummary]] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Semaphore(1)

    def get(self, key: SummaryKey, wait: float | None) -> RunSummary | None:
        """The summary for ``key``, waiting at most ``wait`` seconds (None: as long as it takes).

        Returns None when it is not ready in time; it keeps being computed.
        """
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                future = Future()
                self._futures[key] = future
                for old in list(self._futures)[:-KEEP]:
                    del self._futures[old]
                worker = threading.Thread(
                    target=self._work, args=(key, future), name="view-summary", daemon=True
                )
                worker.start()
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            return None

    def _work(self, key: SummaryKey, future: Future[RunSummary]) -> None:
        with self._one_at_a_time:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(self.compute(self.db_path, key[0]))
            except BaseException as exc:  # handed to whoever waits for it
                with self._lock:
                    self._futures.pop(key, None)
                future.set_exception(exc)


__all__ = ["PairFacts", "RunSummary", "SummaryCache", "compute_summary", "pair_is_problem"]
