"""The books of a batch check: submit, reconcile, poll and collect, crash-safe.

Order of writes (each committed before the next step):

1. the batch and the custom id of every judgment it carries are stored
   (``preparing``), and the judgments' claims handed to the batch (they stay
   claimed until the batch ends: no other process pays for them meanwhile);
2. the batch is created at the provider, and its id stored as soon as it returns;
3. results are stored as verdicts as they are read; a follow-up batch for the
   requests worth retrying is prepared (marking them ``retried``) before the
   ended batch is marked ``collected``.

A process killed at any point resumes by reconciling ``preparing`` batches with the
provider's list and polling, never by sending a batch the provider already has.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from checker.evidence import verify_evidence
from checker.judges import BatchInfo, Batching, BatchResult, Judge
from checker.judges.llm.prompts import principle_prompt_hash
from checker.runner._planner import cache_key
from checker.runner._verdicts import error_verdict, with_provenance
from checker.store import BatchRequestRow, BatchRow, CacheKey, Store
from checker.store._batches import COLLECTED, PREPARING, SUBMITTED, UNSENT
from checker.transcript import Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution, Principle

BATCH_LEASE_S = 25 * 3600.0
"""Claims of judgments in a batch last this long: a batch ends within 24 hours."""
MAX_BATCH_ATTEMPTS = 3
"""A judgment is sent in at most this many batches (the first and two follow-ups)."""
POLL_FIRST_S = 1.0
POLL_MAX_S = 60.0
RECONCILE_SLACK = timedelta(minutes=10)
"""How much earlier than our record a provider's batch may say it was created (clocks)."""


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """A snapshot for the display while a batch check waits."""

    submitted: int
    """Batches of the run at the provider."""
    ended: int
    requests: int
    """Judgments the run's batches carry."""
    created: int
    """Batches this process created."""
    elapsed_s: float
    expires_at: str | None
    """When the provider gives up on the last open batch (it ends within 24 hours)."""


BatchProgressCallback = Callable[[BatchProgress], None]


@dataclass(slots=True)
class Pending:
    """A judgment to send: what the request is built from, and its books entry."""

    transcript: Transcript
    principle: Principle
    row: BatchRequestRow


@dataclass(slots=True)
class Tally:
    """What collecting produced."""

    verdicts: int = 0
    errors: int = 0
    canceled: int = 0
    cost_usd: float = 0.0
    retried: list[BatchRequestRow] = field(default_factory=list)


class BatchBooks:
    """Submits batches for one run and collects their results into the store."""

    def __init__(
        self,
        judge: Judge,
        batching: Batching,
        constitution: Constitution,
        store: Store,
        run_id: int,
        progress: BatchProgressCallback | None = None,
        poll_s: float = POLL_FIRST_S,
    ) -> None:
        self.judge = judge
        self.batching = batching
        self.constitution = constitution
        self.store = store
        self.run_id = run_id
        self.progress = progress
        self.poll_s = poll_s
        self.created = 0
        self.tally = Tally()
        self._principles = {p.id: p for p in constitution.principles}
        self._prompt_hashes: dict[str, str] = {}
        self._started = time.monotonic()

    def key_for(self, principle: Principle, transcript_hash: str, sample: int) -> CacheKey:
        """The judgment's cache key (as the interactive runner makes it)."""
        if principle.id not in self._prompt_hashes:
            self._prompt_hashes[principle.id] = principle_prompt_hash(principle, self.constitution)
        return cache_key(
            self.judge,
            principle.content_hash(),
            transcript_hash,
            sample,
            prompt_hash=self._prompt_hashes[principle.id],
        )

    # -- submitting -----------------------------------------------------------------------

    def new_row(
        self,
        transcript: Transcript,
        transcript_hash: str,
        principle: Principle,
        sample: int,
        claim: str,
    ) -> BatchRequestRow:
        return BatchRequestRow(
            custom_id=secrets.token_hex(16),
            claim=claim,
            transcript_id=transcript.id,
            transcript_hash=transcript_hash,
            principle_id=principle.id,
            sample_index=sample,
            attempt=1,
        )

    async def submit(
        self, items: Sequence[Pending], attempt: int, *, retried: Sequence[str] = ()
    ) -> None:
        """Store the batch and its custom ids, create it, store its id: in that order."""
        batch_id = f"b{secrets.token_hex(8)}"
        params = [
            (p.row.custom_id, self.batching.request(p.transcript, p.principle, self.constitution))
            for p in items
        ]
        self.store.prepare_batch(
            batch_id,
            self.run_id,
            self.judge.name,
            self.judge.model,
            attempt,
            [p.row for p in items],
            claim_owner=f"batch:{batch_id}",
            claim_expires=time.time() + BATCH_LEASE_S,
            retried=retried,
        )
        info = await self.batching.create(params)
        self.store.batch_submitted(batch_id, info.id, info.as_dict())
        self.created += 1

    def split(self, items: list[Pending], size: int) -> list[list[Pending]]:
        return [items[i : i + size] for i in range(0, len(items), size)]

    # -- resuming -------------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Match batches stored as ``preparing`` (a crash around create) with the provider's
        list; send again only those the provider does not have."""
        preparing = self.store.batches(run_id=self.run_id, states=[PREPARING])
        if not preparing:
            return
        listed = await self.batching.list()
        known = {b.provider_id for b in self.store.batches() if b.provider_id}
        for row in preparing:
            match = _find_match(row, listed, known)
            if match is not None:
                known.add(match.id)
                self.store.batch_submitted(row.id, match.id, match.as_dict())
                continue
            self.store.set_batch_state(row.id, UNSENT)
            requests = [r for r in self.store.batch_requests(row.id) if r.state == "pending"]
            items = [self._pending(r, attempt=r.attempt) for r in requests]
            fresh = [
                Pending(i.transcript, i.principle, _renamed(i.row)) for i in items if i is not None
            ]
            if fresh:
                await self.submit(fresh, row.attempt, retried=[r.custom_id for r in requests])

    # -- waiting and collecting -----------------------------------------------------------

    async def wait(self) -> None:
        """Poll the run's open batches (with backoff) until all are collected."""
        delay = self.poll_s
        while True:
            open_rows = self.store.batches(run_id=self.run_id, states=[SUBMITTED])
            if not open_rows:
                return
            infos = [await self.batching.retrieve(str(row.provider_id)) for row in open_rows]
            ended = [(row, info) for row, info in zip(open_rows, infos, strict=True) if info.ended]
            self._report(open_rows, infos)
            for row, info in ended:
                await self.collect(row, info)
            if len(ended) < len(open_rows):
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, POLL_MAX_S)

    async def collect(self, row: BatchRow, info: BatchInfo) -> None:
        """Store an ended batch's results; send what is worth a retry in a follow-up."""
        requests = {r.custom_id: r for r in self.store.batch_requests(row.id)}
        states: list[tuple[str, str]] = []
        retry: list[BatchRequestRow] = []
        transcripts: dict[str, Transcript | None] = {}
        async for result in self.batching.results(str(row.provider_id)):
            request = requests.get(result.custom_id)
            if request is None or request.state != "pending":
                continue  # not ours, or stored before a crash
            if result.kind == "canceled":
                self.store.drop_claims([request.claim])
                states.append((request.custom_id, "canceled"))
                self.tally.canceled += 1
                continue
            if result.kind == "retry" and request.attempt < MAX_BATCH_ATTEMPTS:
                retry.append(request)
                continue
            if request.transcript_hash not in transcripts:
                transcripts[request.transcript_hash] = self.store.get_transcript(
                    request.transcript_hash
                )
            self._store_result(request, result, transcripts[request.transcript_hash])
            states.append((request.custom_id, "done"))
        self.store.set_request_states(states)
        if retry:
            items = [self._pending(r, attempt=r.attempt + 1) for r in retry]
            fresh = [Pending(i.transcript, i.principle, _renamed(i.row)) for i in items if i]
            await self.submit(fresh, row.attempt + 1, retried=[r.custom_id for r in retry])
        self.store.set_batch_state(row.id, COLLECTED, info.as_dict())

    def _store_result(
        self, request: BatchRequestRow, result: BatchResult, transcript: Transcript | None
    ) -> None:
        principle = self._principles[request.principle_id]
        if transcript is None:  # the store lost it: record the judgment as not made
            transcript = Transcript(id=request.transcript_id, messages=())
        else:
            transcript = transcript.model_copy(update={"id": request.transcript_id})
        key = self.key_for(principle, request.transcript_hash, request.sample_index)
        verdict: Verdict
        if result.kind == "succeeded":
            made = self.batching.verdict(result, transcript, principle, request.sample_index)
            made = with_provenance(made, transcript, principle, key, 0.0)
            verdict = verify_evidence(made, transcript, scope=principle.scope)
        else:
            reason = result.error or "the batch returned no verdict"
            if result.kind == "retry":
                reason += f" (after {request.attempt} batches)"
            verdict = error_verdict(transcript, principle, key, self.judge, reason)
            if result.usage.cost_usd:
                verdict = verdict.model_copy(update={"usage": result.usage})
        self.store.save_verdict(self.run_id, key, verdict)
        self.tally.verdicts += 1
        self.tally.errors += verdict.outcome is Outcome.ERROR
        self.tally.cost_usd += verdict.usage.cost_usd

    def _pending(self, row: BatchRequestRow, *, attempt: int) -> Pending | None:
        transcript = self.store.get_transcript(row.transcript_hash)
        principle = self._principles.get(row.principle_id)
        if transcript is None or principle is None:
            return None
        transcript = transcript.model_copy(update={"id": row.transcript_id})
        return Pending(transcript, principle, _with_attempt(row, attempt))

    def _report(self, open_rows: list[BatchRow], infos: list[BatchInfo]) -> None:
        if self.progress is None:
            return
        all_rows = self.store.batches(run_id=self.run_id)
        submitted = [r for r in all_rows if r.state in (SUBMITTED, COLLECTED)]
        ended = sum(r.state == COLLECTED for r in all_rows) + sum(i.ended for i in infos)
        expiries = [i.expires_at for i in infos if not i.ended]
        self.progress(
            BatchProgress(
                submitted=len(submitted),
                ended=ended,
                requests=sum(r.requests for r in submitted),
                created=self.created,
                elapsed_s=time.monotonic() - self._started,
                expires_at=max(expiries) if expiries else None,
            )
        )


def _find_match(row: BatchRow, listed: list[BatchInfo], known: set[str]) -> BatchInfo | None:
    """The provider's batch that a ``preparing`` row became, if any: created after the
    row (less :data:`RECONCILE_SLACK`), unknown to the store, with as many requests."""
    since = datetime.fromisoformat(row.created) - RECONCILE_SLACK
    candidates = [
        b
        for b in listed
        if b.id not in known
        and b.requests == row.requests
        and datetime.fromisoformat(b.created_at) >= since
    ]
    return min(candidates, key=lambda b: b.created_at) if candidates else None


def _with_attempt(row: BatchRequestRow, attempt: int) -> BatchRequestRow:
    return replace(row, attempt=attempt)


def _renamed(row: BatchRequestRow) -> BatchRequestRow:
    """The same judgment under a new custom id (ids stay unique across batches)."""
    return replace(row, custom_id=secrets.token_hex(16), state="pending")
