"""A check through the judge's batch engine (``--batch``): plan, submit, wait, collect.

The run first reconciles and collects what its earlier batches carry (``--resume``),
then plans the transcripts as an interactive check does: cache hits and
out-of-scope judgments are settled at once; the rest are claimed and sent in
batches split to the provider's limits. Judgments another process holds (its
own calls or batches) are not sent again: they are linked when their verdicts
exist at the end, else counted as not graded. Without ``wait`` the run ends once
its batches are submitted (status ``submitted``); ``--resume RUN`` collects them.
See :mod:`checker.runner._batch_books` for the order of writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable, Iterator

from checker.judges import Batching, Judge
from checker.runner._batch_books import (
    POLL_FIRST_S,
    BatchBooks,
    BatchProgressCallback,
    Pending,
)
from checker.runner._budget import Budget
from checker.runner._executor import CheckProgress
from checker.runner._leases import Leases
from checker.runner._planner import Planned, Planner
from checker.store import CacheKey, Store
from checker.store._claims import claim_key
from checker.transcript import Transcript
from checker.verdict import Verdict
from constitution.model import Constitution


class BatchCheck:
    """Runs one batch check; has the counters :func:`checker.runner._check._finish` reads."""

    def __init__(
        self,
        judge: Judge,
        batching: Batching,
        constitution: Constitution,
        store: Store,
        run_id: int,
        *,
        progress: BatchProgressCallback | None = None,
        max_cost: float | None = None,
        poll_s: float = POLL_FIRST_S,
    ) -> None:
        self.judge = judge
        self.batching = batching
        self.constitution = constitution
        self.store = store
        self.run_id = run_id
        self.books = BatchBooks(judge, batching, constitution, store, run_id, progress, poll_s)
        self.leases = Leases(store)
        self.budget = Budget(max_cost)
        self.state = CheckProgress(total=None)
        self.calls = 0
        """Interactive calls: none in a batch check."""
        self.out_of_scope = 0
        self.not_graded = 0
        self.held: list[tuple[str, str, CacheKey]] = []
        """(transcript id, principle id, key) of judgments another process held."""
        self._pending: list[Pending] = []
        self._bytes = 0
        self._planned_cost = 0.0
        self._canceled: set[tuple[str, str, int]] = set()
        self.canceled = 0
        self.in_flight = 0
        """Judgments in batches still running when the run returned (``wait=False``)."""
        """Judgments of the run canceled in their batch (a user's cancel is kept)."""

    async def run(self, planner: Planner, transcripts: Iterator[Transcript], wait: bool) -> None:
        await self.books.reconcile()
        if wait:
            await self.books.wait()
        self._canceled = self.store.run_canceled_pairs(self.run_id)
        renewing = asyncio.create_task(self.leases.keep_alive())  # claims held until submitted
        try:
            for transcript in transcripts:
                await self._plan(planner.plan(transcript))
                await asyncio.sleep(0)  # let the renewal run
            await self._flush()
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self.leases.release()
        if wait:
            await self.books.wait()
            self._settle_held()
        canceled = self.store.run_canceled_pairs(self.run_id)
        self.canceled = len(canceled - self.store.run_done_pairs(self.run_id))
        self.not_graded += self.canceled
        if not wait:
            self.in_flight = self.store.run_pending_requests(self.run_id)
            self.not_graded += self.in_flight

    @property
    def batches_created(self) -> int:
        return self.books.created

    @property
    def stopped(self) -> str | None:
        reasons = []
        if self.budget.stopped is not None:
            reasons.append(self.budget.stopped)
        if self.canceled:
            reasons.append(f"{self.canceled} canceled with their batch")
        if self.in_flight:
            reasons.append(f"{self.in_flight} still in batches (--no-wait)")
        return "; ".join(reasons) or None

    async def _plan(self, item: Planned) -> None:
        transcript = item.transcript
        if item.hits:
            self.store.link_cached(self.run_id, item.hits)
        self.store.save_transcript(transcript, item.transcript_hash)
        for key, verdict in item.out_of_scope:
            self.store.save_verdict(self.run_id, key, verdict)
        self.out_of_scope += len(item.out_of_scope)
        item.misses = [
            (sample, p)
            for sample, p in item.misses
            if (transcript.id, p.id, sample) not in self._canceled
        ]
        if not item.misses:
            return
        if not await self._affordable(item):
            self.not_graded += len(item.misses)
            return
        keys = {
            (sample, p.id): self.books.key_for(p, item.transcript_hash, sample)
            for sample, p in item.misses
        }
        claimed = self.leases.claim(list(keys.values()))
        if claimed.done:
            self.store.link_cached(self.run_id, _renamed(claimed.done.values(), transcript.id))
        held, mine = set(claimed.held), set(claimed.mine)
        for sample, principle in item.misses:
            key = keys[(sample, principle.id)]
            if key in held:
                self.held.append((transcript.id, principle.id, key))
            elif key in mine:
                row = self.books.new_row(
                    transcript, item.transcript_hash, principle, sample, claim_key(key)
                )
                await self._add(Pending(transcript, principle, row))

    async def _affordable(self, item: Planned) -> bool:
        """Whether the transcript's judgments fit the cap (by the estimate at batch prices)."""
        if self.budget.cap is None:
            return True
        estimate = getattr(self.judge, "estimate", None)
        cost = 0.0
        if estimate is not None:
            todo = list({p.id: p for _, p in item.misses}.values())
            usage = await estimate(item.transcript, todo, self.constitution)
            cost = self.batching.cost(usage) * len(item.misses) / len(todo)
        if not self.budget.allows(self._planned_cost, cost):
            return False
        self._planned_cost += cost
        return True

    async def _add(self, pending: Pending) -> None:
        params = self.batching.request(pending.transcript, pending.principle, self.constitution)
        size = len(json.dumps(params))
        full = len(self._pending) >= self.batching.max_requests
        if self._pending and (full or self._bytes + size > self.batching.max_bytes):
            await self._flush()
        self._pending.append(pending)
        self._bytes += size

    async def _flush(self) -> None:
        if self._pending:
            await self.books.submit(self._pending, attempt=1)
        self._pending, self._bytes = [], 0

    def _settle_held(self) -> None:
        """Judgments another process held: link them if judged by now, else not graded."""
        linked = self.store.run_done_pairs(self.run_id)
        for transcript_id, principle_id, key in self.held:
            if (transcript_id, principle_id, key.sample_index) in linked:
                continue
            found = self.store.lookup(key)
            if found is None:
                self.not_graded += 1
                continue
            self.store.link_cached(self.run_id, _renamed([found], transcript_id))


def _renamed(found: Iterable[tuple[int, Verdict]], transcript_id: str) -> list[tuple[int, Verdict]]:
    """Found verdicts as this run names the transcript."""
    out = []
    for verdict_id, verdict in found:
        if verdict.transcript_id != transcript_id:
            verdict = verdict.model_copy(update={"transcript_id": transcript_id})
        out.append((verdict_id, verdict))
    return out
