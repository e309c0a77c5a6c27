"""Executing a check: a pool of workers grades the planned judgments, first ones first.

For each transcript one judgment goes first and the others wait until it is back
(a judge caching the transcript as a prompt prefix writes it once); released
judgments go ahead of new transcripts' first judgments; at most a window of
transcripts is held at once. Each verdict is stored the moment it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from checker.errors import JudgeConfigError
from checker.evidence import verify_evidence
from checker.judges import Judge
from checker.judges.llm.prompts import principle_prompt_hash
from checker.runner._budget import Budget
from checker.runner._leases import Leases, wait_before_retry
from checker.runner._planner import Job, Planned, Planner, cache_key, jobs_for
from checker.runner._verdicts import error_verdict, with_provenance
from checker.store import CacheKey, Store
from checker.transcript import Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution, Principle


@dataclass(frozen=True, slots=True)
class CheckProgress:
    """A snapshot handed to the ``progress`` callback after every step."""

    total: int | None
    """Judgments in the run; None while a stream of transcripts is still being read."""
    done: int = 0
    calls: int = 0
    cache_hits: int = 0
    errors: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    not_graded: int = 0
    """Judgments left undone because the spending cap stopped the run."""


ProgressCallback = Callable[[CheckProgress], None]
SAVED_MEMORY = 4096
"""Transcript hashes remembered as saved (the store ignores a second save anyway)."""


class Executor:
    """Grades the planned judgments with a pool of workers and a priority queue."""

    def __init__(
        self,
        judge: Judge,
        constitution: Constitution,
        store: Store,
        run_id: int,
        grouped: bool,
        progress: ProgressCallback | None,
        max_cost: float | None = None,
    ) -> None:
        self.judge = judge
        self.constitution = constitution
        self.store = store
        self.run_id = run_id
        self.grouped = grouped
        self.progress = progress
        self.state = CheckProgress(total=0)
        self.calls = 0
        self.out_of_scope = 0
        self.store_transcripts = True
        """False: the transcripts' text is not kept in the store (verdicts only)."""
        self._queue: asyncio.PriorityQueue[tuple[int, int, Job | None]] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._followers: dict[int, list[Job]] = {}
        self._remaining = 0
        self._saved: set[str] = set()
        self._prompt_hashes: dict[str, str] = {}
        self._producing = True
        self._workers = 1
        self._window = asyncio.Semaphore(1)
        self._open: dict[int, int] = {}
        """Jobs not yet finished, per transcript (by :attr:`Job.group`)."""
        self.leases = Leases(store)
        self.budget = Budget(max_cost)

    @property
    def not_graded(self) -> int:
        return self.state.not_graded

    @property
    def stopped(self) -> str | None:
        return self.budget.stopped

    batches_created = 0
    """Message batches: none in an interactive check."""

    async def run(
        self, planner: Planner, transcripts: Iterator[Transcript], concurrency: int
    ) -> None:
        """Read, plan and grade: at most a window of transcripts is held at a time."""
        self._workers = concurrency
        self._window = asyncio.Semaphore(max(4 * concurrency, 64))
        renewing = asyncio.create_task(self.leases.keep_alive())
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(concurrency):
                    group.create_task(self._worker())
                group.create_task(self._produce(planner, transcripts))
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self.leases.release()

    async def _produce(self, planner: Planner, transcripts: Iterator[Transcript]) -> None:
        count = 0
        try:
            for transcript in transcripts:
                await self._window.acquire()
                item = planner.plan(transcript)
                count += 1
                self._settle_without_calls(item)
                jobs = jobs_for(item, self.grouped)
                if jobs and self.budget.stopped is not None:
                    self._leave_undone(sum(len(job.principles) for job in jobs))
                    jobs = []
                if not jobs:
                    self._window.release()
                    continue
                if self.budget.cap is not None:
                    await self._estimate(item.transcript, jobs)
                for job in jobs:
                    job.group = count
                self._open[count] = len(jobs)
                self._followers[count] = jobs[1:]
                self._remaining += len(jobs)
                self._queue.put_nowait((1, next(self._seq), jobs[0]))
                await asyncio.sleep(0)  # let workers start on it while we read on
        finally:
            self._producing = False
        per_transcript = len(planner.principles) * planner.samples
        self.state = replace(self.state, total=count * per_transcript)
        self._report()
        self._stop_if_done()

    async def _estimate(self, transcript: Transcript, jobs: list[Job]) -> None:
        """Share the judge's estimate for the transcript's pending judgments among its jobs."""
        estimate = getattr(self.judge, "estimate", None)
        if estimate is None:
            return
        unique = {p.id: p for job in jobs for p in job.principles}
        usage = await estimate(
            transcript, list(unique.values()), self.constitution, grouped=self.grouped
        )
        per_judgment = usage.cost_usd / len(unique)
        for job in jobs:
            job.estimate = per_judgment * len(job.principles)

    def _leave_undone(self, judgments: int) -> None:
        self.state = replace(self.state, not_graded=self.state.not_graded + judgments)
        self._report()

    def _stop_if_done(self) -> None:
        if self._remaining == 0 and not self._producing:
            for _ in range(self._workers):
                self._queue.put_nowait((2, next(self._seq), None))

    def _settle_without_calls(self, item: Planned) -> None:
        if item.hits:
            self.store.link_cached(self.run_id, item.hits)
        if item.out_of_scope or item.hits or item.done:
            self._save_transcript(item.transcript, item.transcript_hash)
        for key, verdict in item.out_of_scope:
            self.store.save_verdict(self.run_id, key, verdict)
        self.out_of_scope += len(item.out_of_scope)
        self.state = replace(
            self.state,
            done=self.state.done + len(item.hits) + len(item.out_of_scope) + item.done,
            cache_hits=self.state.cache_hits + len(item.hits),
        )

    def _save_transcript(self, transcript: Transcript, transcript_hash: str) -> None:
        if self.store_transcripts and transcript_hash not in self._saved:
            if len(self._saved) >= SAVED_MEMORY:  # the last few only: memory stays flat
                self._saved.clear()
            self._saved.add(transcript_hash)
            self.store.save_transcript(transcript, transcript_hash)

    async def _worker(self) -> None:
        while True:
            _, _, job = await self._queue.get()
            if job is None:
                return
            await self._execute(job)
            for follower in self._followers.pop(job.group, ()):  # only the first job finds them
                self._queue.put_nowait((0, next(self._seq), follower))
            self._open[job.group] -= 1
            if self._open[job.group] == 0:
                del self._open[job.group]
                self._window.release()
            self._remaining -= 1
            self._stop_if_done()

    async def _execute(self, job: Job) -> None:
        """Claim the job's judgments, settle those judged meanwhile, defer those held
        by another process, and grade the rest."""
        self._save_transcript(job.transcript, job.transcript_hash)
        keys = {
            p.id: cache_key(
                self.judge,
                p.content_hash(),
                job.transcript_hash,
                job.sample_index,
                prompt_hash=self._prompt_hash(p),
            )
            for p in job.principles
        }
        claimed = self.leases.claim(list(keys.values()))
        if claimed.done:
            self._settle_judged_elsewhere(job, list(claimed.done.values()))
        held = set(claimed.held)
        if held:
            self._defer(
                replace(job, principles=tuple(p for p in job.principles if keys[p.id] in held))
            )
        mine = set(claimed.mine)
        if not mine:
            return
        todo = replace(job, principles=tuple(p for p in job.principles if keys[p.id] in mine))
        if not self.budget.allows(self.state.cost_usd, todo.estimate):
            self.leases.release(mine)
            self._leave_undone(len(todo.principles))
            return
        self.budget.start(todo.estimate)
        try:
            await self._grade(todo, keys)
        finally:
            self.budget.finish(todo.estimate, self.state.cost_usd)
            self.leases.release(mine)  # stored verdicts have ended their claims already

    def _settle_judged_elsewhere(self, job: Job, found: list[tuple[int, Verdict]]) -> None:
        """Link verdicts another process made while this one waited (no call, no cost)."""
        hits = []
        for verdict_id, verdict in found:
            if verdict.transcript_id != job.transcript.id:
                verdict = verdict.model_copy(update={"transcript_id": job.transcript.id})
            hits.append((verdict_id, verdict))
        self.store.link_cached(self.run_id, hits)
        s = self.state
        self.state = replace(s, done=s.done + len(hits), cache_hits=s.cache_hits + len(hits))
        self._report()

    def _defer(self, job: Job) -> None:
        """Ask again later about judgments another process holds (the job stays open)."""
        self._open[job.group] += 1
        self._remaining += 1
        delay = wait_before_retry(job.waits)
        job.waits += 1
        item = (0, next(self._seq), job)
        asyncio.get_running_loop().call_later(delay, self._queue.put_nowait, item)

    async def _grade(self, job: Job, keys: dict[str, CacheKey]) -> None:
        started = time.perf_counter()
        try:
            if self.grouped:
                replies = list(
                    await self.judge.grade_many(  # type: ignore[attr-defined]
                        job.transcript,
                        job.principles,
                        self.constitution,
                        sample_index=job.sample_index,
                    )
                )
            else:
                replies = [
                    await self.judge.grade(
                        job.transcript,
                        job.principles[0],
                        self.constitution,
                        sample_index=job.sample_index,
                    )
                ]
            failure = None
        except JudgeConfigError:  # a refused key, an unknown model: stop the run, exit 2
            raise
        except Exception as exc:  # any other judge failure becomes an error verdict
            replies, failure = [], f"{type(exc).__name__}: {exc}"
        latency = time.perf_counter() - started
        self.calls += 1
        by_principle = {r.principle_id: r for r in replies if isinstance(r, Verdict)}
        for principle in job.principles:
            key = keys[principle.id]
            reply = by_principle.get(principle.id)
            if reply is None:
                reason = failure or f"the judge returned no verdict for {principle.id}"
                verdict = error_verdict(job.transcript, principle, key, self.judge, reason)
            else:
                verdict = with_provenance(reply, job.transcript, principle, key, latency)
                verdict = verify_evidence(verdict, job.transcript, scope=principle.scope)
            self.store.save_verdict(self.run_id, key, verdict)
            self._count(verdict)
        self.state = replace(self.state, calls=self.calls)
        self._report()

    def _prompt_hash(self, principle: Principle) -> str:
        if principle.id not in self._prompt_hashes:
            self._prompt_hashes[principle.id] = principle_prompt_hash(principle, self.constitution)
        return self._prompt_hashes[principle.id]

    def _count(self, verdict: Verdict) -> None:
        usage = verdict.usage
        s = self.state
        self.state = replace(
            s,
            done=s.done + 1,
            errors=s.errors + (verdict.outcome is Outcome.ERROR),
            input_tokens=s.input_tokens + usage.input_tokens,
            cache_read_tokens=s.cache_read_tokens + usage.cache_read_tokens,
            cache_write_tokens=s.cache_write_tokens + usage.cache_write_tokens,
            output_tokens=s.output_tokens + usage.output_tokens,
            cost_usd=s.cost_usd + usage.cost_usd,
        )

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.state)
