"""Run a check: every transcript against every principle in scope, through the store.

For each (transcript, principle, sample) the store is asked first; a stored
judgment with the same cache key is reused without a judge call. The rest are
graded concurrently (asyncio, at most ``concurrency`` calls in flight), their
evidence verified, and each verdict committed the moment it arrives: re-running
an interrupted check (or passing ``resume=RUN``) repeats nothing finished and
loses nothing. A judge that raises yields an ``error`` verdict, never a pass.

Scheduling: for each transcript one judgment goes first and the others wait until
it is back, so a judge that caches the transcript as a prompt prefix writes that
cache once and reads it for every other principle. Released judgments go ahead
of the first judgments of new transcripts, so a transcript is finished while its
cache is warm. Transcripts are read as the check goes: at most a window of
``4 x concurrency`` (at least 64) unfinished transcripts is held at once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from checker.errors import CheckerError
from checker.evidence import verify_evidence
from checker.judges import Judge, run_stats_of, verdict_provenance
from checker.results import RunInfo, RunResult, RunTotals, build_result
from checker.store import CacheKey, LinkedVerdict, RunStatus, Store
from checker.transcript import Role, ToolCallPart, Transcript
from checker.verdict import Outcome, Usage, Verdict
from constitution.model import Constitution, Principle, Scope

Mode = Literal["per-principle", "grouped"]
MODES: tuple[str, ...] = ("per-principle", "grouped")
DEFAULT_CONCURRENCY = 32


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


ProgressCallback = Callable[[CheckProgress], None]


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """What a check would do (``--dry-run``): nothing is graded or stored."""

    transcripts: int
    principles: int
    judgments: int
    cache_hits: int
    out_of_scope: int
    to_judge: int
    calls: int
    mode: str
    estimate: Usage | None
    """The judge's own estimate of the calls' tokens and cost, if it can make one."""


@dataclass(slots=True)
class _Job:
    transcript: Transcript
    transcript_hash: str
    principles: tuple[Principle, ...]
    sample_index: int
    group: int = 0
    """Serial number of the transcript within the run."""


@dataclass(slots=True)
class _Planned:
    transcript: Transcript
    transcript_hash: str
    hits: list[tuple[int, Verdict]] = field(default_factory=list)
    out_of_scope: list[tuple[CacheKey, Verdict]] = field(default_factory=list)
    misses: list[tuple[int, Principle]] = field(default_factory=list)
    done: int = 0
    """Judgments a resumed run already holds."""


def select_principles(
    constitution: Constitution, principle_ids: Sequence[str] | None = None
) -> tuple[Principle, ...]:
    """The active principles, or exactly those named (drafts included when named)."""
    if not principle_ids:
        return constitution.active_principles()
    selected = []
    for principle_id in dict.fromkeys(principle_ids):
        try:
            selected.append(constitution.principle(principle_id))
        except KeyError:
            known = ", ".join(p.id for p in constitution.principles) or "none"
            raise CheckerError(
                f"constitution {constitution.id}: no principle {principle_id!r} (known: {known})"
            ) from None
    return tuple(selected)


def out_of_scope_reason(principle: Principle, transcript: Transcript) -> str | None:
    """Why ``transcript`` holds nothing the principle judges, or None if it does."""
    if not transcript.messages:
        return "the transcript has no messages"
    if principle.scope is Scope.ASSISTANT and not any(
        m.role is Role.ASSISTANT for m in transcript.messages
    ):
        return "the transcript has no assistant message"
    if principle.scope is Scope.TOOL_CALLS and not any(
        isinstance(part, ToolCallPart) for m in transcript.messages for part in m.parts
    ):
        return "the transcript has no tool call"
    return None


def cache_key(judge: Judge, principle_hash: str, transcript_hash: str, sample: int) -> CacheKey:
    return CacheKey(
        backend=judge.name,
        model=judge.model,
        prompt_version=judge.prompt_version,
        principle_hash=principle_hash,
        transcript_hash=transcript_hash,
        sample_index=sample,
    )


def run_check(
    constitution: Constitution,
    transcripts: Iterable[Transcript],
    judge: Judge,
    store: Store,
    **options: Any,
) -> RunResult:
    """Synchronous :func:`arun_check` (runs its own event loop)."""
    return asyncio.run(arun_check(constitution, transcripts, judge, store, **options))


async def arun_check(
    constitution: Constitution,
    transcripts: Iterable[Transcript],
    judge: Judge,
    store: Store,
    *,
    principles: Sequence[str] | None = None,
    samples: int = 1,
    concurrency: int = DEFAULT_CONCURRENCY,
    mode: Mode | str = "per-principle",
    progress: ProgressCallback | None = None,
    resume: int | str | None = None,
) -> RunResult:
    """Grade ``transcripts`` against the constitution's principles; return the run's result.

    ``principles`` limits the check to those ids; ``samples`` K grades each pair K
    times (see :mod:`checker.results` for how samples are aggregated); ``mode``
    ``grouped`` grades all principles of a transcript in one call when the judge
    has ``grade_many`` (otherwise the run falls back to ``per-principle``, and
    says so in ``result.run.mode``); ``resume`` continues an earlier run.
    """
    _check_options(samples, concurrency, mode)
    grouped = mode == "grouped" and hasattr(judge, "grade_many")
    selected = select_principles(constitution, principles)
    started = time.perf_counter()
    options = {
        "mode": "grouped" if grouped else "per-principle",
        "samples": samples,
        "concurrency": concurrency,
        "principles": [p.id for p in selected],
    }
    run_id, previous = _open_run(store, constitution, judge, resume, options)
    executor = _Executor(judge, constitution, store, run_id, grouped, progress)
    status = RunStatus.INTERRUPTED
    try:
        planner = _Planner(selected, judge, store, samples, run_id=run_id)
        total = None
        if isinstance(transcripts, Sized):
            total = len(transcripts) * len(selected) * samples
        executor.state = CheckProgress(total=total)
        await executor.run(planner, iter(transcripts), concurrency)
        status = RunStatus.COMPLETE
    finally:
        totals, linked = _finish(store, run_id, status, previous, executor, started)
    order = [p.id for p in selected]
    return load_run(store, run_id, principle_order=order, totals=totals, linked=linked)


async def plan_check(
    constitution: Constitution,
    transcripts: Iterable[Transcript],
    judge: Judge,
    store: Store,
    *,
    principles: Sequence[str] | None = None,
    samples: int = 1,
    mode: Mode | str = "per-principle",
) -> CheckPlan:
    """What :func:`arun_check` would grade, and the judge's estimate of its cost."""
    _check_options(samples, 1, mode)
    grouped = mode == "grouped" and hasattr(judge, "grade_many")
    selected = select_principles(constitution, principles)
    planner = _Planner(selected, judge, store, samples, run_id=None)
    count = hits = out_of_scope = misses = calls = 0
    estimate = Usage() if hasattr(judge, "estimate") else None
    for transcript in transcripts:
        item = planner.plan(transcript)
        count += 1
        hits += len(item.hits) + item.done
        out_of_scope += len(item.out_of_scope)
        misses += len(item.misses)
        calls += len({s for s, _ in item.misses}) if grouped else len(item.misses)
        if estimate is not None and item.misses:
            unique = {principle.id: principle for _, principle in item.misses}
            todo = list(unique.values())
            used = await judge.estimate(transcript, todo, constitution, grouped=grouped)  # type: ignore[attr-defined]
            estimate = _add_usage(estimate, used, times=len(item.misses) // len(todo))
    return CheckPlan(
        transcripts=count,
        principles=len(selected),
        judgments=count * len(selected) * samples,
        cache_hits=hits,
        out_of_scope=out_of_scope,
        to_judge=misses,
        calls=calls,
        mode="grouped" if grouped else "per-principle",
        estimate=estimate,
    )


def load_run(
    store: Store,
    run_id: int | str,
    *,
    principle_order: Sequence[str] | None = None,
    totals: RunTotals | None = None,
    linked: Sequence[LinkedVerdict] | None = None,
) -> RunResult:
    """Rebuild a run's result from the store (``constitution report RUN``)."""
    record = store.get_run(run_id)
    if linked is None:
        linked = store.run_verdicts(record.id)
    verdicts = [item.verdict for item in linked]
    if totals is None:
        totals = RunTotals.model_validate(record.totals) if record.totals else RunTotals()
        if not record.totals:
            made = [item.verdict for item in linked if not item.cache_hit]
            totals = _spend(totals, made).model_copy(
                update={"cache_hits": sum(item.cache_hit for item in linked)}
            )
    info = RunInfo(
        id=record.id,
        started=record.started,
        finished=record.finished,
        status=record.status,
        constitution_id=record.constitution_id,
        constitution_version=record.constitution_version,
        judge=record.judge,
        model=record.model,
        prompt_version=record.prompt_version,
        mode=str(record.options.get("mode", "per-principle")),
        samples=int(record.options.get("samples", 1)),
    )
    order = principle_order or record.options.get("principles", ())
    return build_result(info, verdicts, totals, order)


# -- planning ------------------------------------------------------------------------


def _check_options(samples: int, concurrency: int, mode: str) -> None:
    if samples < 1:
        raise CheckerError(f"samples must be at least 1, not {samples}")
    if concurrency < 1:
        raise CheckerError(f"concurrency must be at least 1, not {concurrency}")
    if mode not in MODES:
        raise CheckerError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")


def _open_run(
    store: Store,
    constitution: Constitution,
    judge: Judge,
    resume: int | str | None,
    options: dict[str, Any],
) -> tuple[int, RunTotals | None]:
    if resume is None:
        run_id = store.start_run(
            constitution_id=constitution.id,
            constitution_version=constitution.version,
            judge=judge.name,
            model=judge.model,
            prompt_version=judge.prompt_version,
            options=options,
        )
        return run_id, None
    record = store.get_run(resume)
    mine = (constitution.id, judge.name, judge.model, judge.prompt_version)
    theirs = (record.constitution_id, record.judge, record.model, record.prompt_version)
    if mine != theirs:
        raise CheckerError(
            f"run {record.id} checked {theirs[0]} with {theirs[1]}/{theirs[2]}"
            f" (prompt {theirs[3]}): cannot resume it with {mine[0]} and"
            f" {mine[1]}/{mine[2]} (prompt {mine[3]})"
        )
    store.reopen_run(record.id)
    previous = RunTotals.model_validate(record.totals) if record.totals else None
    return record.id, previous


class _Planner:
    """Sorts each transcript's judgments into done, out of scope, cached and to grade."""

    def __init__(
        self,
        principles: Sequence[Principle],
        judge: Judge,
        store: Store,
        samples: int,
        *,
        run_id: int | None,
    ) -> None:
        self.principles = principles
        self.judge = judge
        self.store = store
        self.samples = samples
        self._hashes = [(p, p.content_hash()) for p in principles]
        self._done = store.run_done_pairs(run_id) if run_id is not None else set()
        self._seen: set[str] = set()

    def plan(self, transcript: Transcript) -> _Planned:
        if transcript.id in self._seen:
            raise CheckerError(f"transcript {transcript.id!r}: the id occurs more than once")
        self._seen.add(transcript.id)
        item = _Planned(transcript, transcript.content_hash())
        for sample in range(self.samples):
            for principle, principle_hash in self._hashes:
                self._sort(item, principle, principle_hash, sample)
        return item

    def _sort(self, item: _Planned, principle: Principle, principle_hash: str, sample: int) -> None:
        transcript = item.transcript
        if (transcript.id, principle.id, sample) in self._done:
            item.done += 1
            return
        key = cache_key(self.judge, principle_hash, item.transcript_hash, sample)
        reason = out_of_scope_reason(principle, transcript)
        if reason is not None:
            verdict = _out_of_scope_verdict(transcript, principle, key, self.judge, reason)
            item.out_of_scope.append((key, verdict))
        elif (found := self.store.lookup(key)) is not None:
            verdict_id, verdict = found
            if verdict.transcript_id != transcript.id:
                verdict = verdict.model_copy(update={"transcript_id": transcript.id})
            item.hits.append((verdict_id, verdict))
        else:
            item.misses.append((sample, principle))


def _jobs(item: _Planned, grouped: bool) -> list[_Job]:
    if grouped:
        by_sample: dict[int, list[Principle]] = {}
        for sample, principle in item.misses:
            by_sample.setdefault(sample, []).append(principle)
        return [
            _Job(item.transcript, item.transcript_hash, tuple(ps), sample)
            for sample, ps in by_sample.items()
        ]
    return [
        _Job(item.transcript, item.transcript_hash, (principle,), sample)
        for sample, principle in item.misses
    ]


# -- execution -----------------------------------------------------------------------


class _Executor:
    """Grades the planned judgments with a pool of workers and a priority queue."""

    def __init__(
        self,
        judge: Judge,
        constitution: Constitution,
        store: Store,
        run_id: int,
        grouped: bool,
        progress: ProgressCallback | None,
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
        self._queue: asyncio.PriorityQueue[tuple[int, int, _Job | None]] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._followers: dict[int, list[_Job]] = {}
        self._remaining = 0
        self._saved: set[str] = set()
        self._producing = True
        self._workers = 1
        self._window = asyncio.Semaphore(1)
        self._open: dict[int, int] = {}
        """Jobs not yet finished, per transcript (by :attr:`_Job.group`)."""

    async def run(
        self, planner: _Planner, transcripts: Iterator[Transcript], concurrency: int
    ) -> None:
        """Read, plan and grade: at most a window of transcripts is held at a time."""
        self._workers = concurrency
        self._window = asyncio.Semaphore(max(4 * concurrency, 64))
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(concurrency):
                    group.create_task(self._worker())
                group.create_task(self._produce(planner, transcripts))
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None

    async def _produce(self, planner: _Planner, transcripts: Iterator[Transcript]) -> None:
        count = 0
        try:
            for transcript in transcripts:
                await self._window.acquire()
                item = planner.plan(transcript)
                count += 1
                self._settle_without_calls(item)
                jobs = _jobs(item, self.grouped)
                if not jobs:
                    self._window.release()
                    continue
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

    def _stop_if_done(self) -> None:
        if self._remaining == 0 and not self._producing:
            for _ in range(self._workers):
                self._queue.put_nowait((2, next(self._seq), None))

    def _settle_without_calls(self, item: _Planned) -> None:
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
        if transcript_hash not in self._saved:
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

    async def _execute(self, job: _Job) -> None:
        self._save_transcript(job.transcript, job.transcript_hash)
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
        except Exception as exc:  # any judge failure becomes an error verdict
            replies, failure = [], f"{type(exc).__name__}: {exc}"
        latency = time.perf_counter() - started
        self.calls += 1
        by_principle = {r.principle_id: r for r in replies if isinstance(r, Verdict)}
        for principle in job.principles:
            key = cache_key(
                self.judge, principle.content_hash(), job.transcript_hash, job.sample_index
            )
            reply = by_principle.get(principle.id)
            if reply is None:
                reason = failure or f"the judge returned no verdict for {principle.id}"
                verdict = _error_verdict(job.transcript, principle, key, self.judge, reason)
            else:
                verdict = _provenance(reply, job.transcript, principle, key, latency)
                verdict = verify_evidence(verdict, job.transcript)
            self.store.save_verdict(self.run_id, key, verdict)
            self._count(verdict)
        self.state = replace(self.state, calls=self.calls)
        self._report()

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


# -- verdict helpers -------------------------------------------------------------------


def _provenance(
    verdict: Verdict,
    transcript: Transcript,
    principle: Principle,
    key: CacheKey,
    latency: float,
) -> Verdict:
    """Set the fields the runner knows for certain; keep the judge's own where it set them."""
    update: dict[str, Any] = {
        "transcript_id": transcript.id,
        "principle_version": principle.version,
        "principle_hash": key.principle_hash,
        "transcript_hash": key.transcript_hash,
        "sample_index": key.sample_index,
    }
    if not verdict.judge:
        update["judge"] = key.backend
    if not verdict.model:
        update["model"] = key.model
    if not verdict.prompt_version:
        update["prompt_version"] = key.prompt_version
    if not verdict.latency_s:
        update["latency_s"] = latency
    return verdict.model_copy(update=update)


def _base_fields(
    transcript: Transcript, principle: Principle, key: CacheKey, judge: Judge
) -> dict[str, Any]:
    return verdict_provenance(
        judge,
        transcript,
        principle,
        key.sample_index,
        principle_hash=key.principle_hash,
        transcript_hash=key.transcript_hash,
    )


def _error_verdict(
    transcript: Transcript, principle: Principle, key: CacheKey, judge: Judge, reason: str
) -> Verdict:
    return Verdict(
        outcome=Outcome.ERROR,
        error=reason,
        rationale="",
        **_base_fields(transcript, principle, key, judge),
    )


def _out_of_scope_verdict(
    transcript: Transcript, principle: Principle, key: CacheKey, judge: Judge, reason: str
) -> Verdict:
    return Verdict(
        outcome=Outcome.NOT_APPLICABLE,
        rationale=f"Not graded: {reason} (the principle's scope is {principle.scope.value}).",
        **_base_fields(transcript, principle, key, judge),
    )


def _add_usage(total: Usage, more: Usage, *, times: int = 1) -> Usage:
    times = max(times, 1)
    return Usage(
        input_tokens=total.input_tokens + more.input_tokens * times,
        cache_read_tokens=total.cache_read_tokens + more.cache_read_tokens * times,
        cache_write_tokens=total.cache_write_tokens + more.cache_write_tokens * times,
        output_tokens=total.output_tokens + more.output_tokens * times,
        cost_usd=total.cost_usd + more.cost_usd * times,
    )


def _spend(totals: RunTotals, made: Iterable[Verdict]) -> RunTotals:
    usage = Usage()
    for verdict in made:
        usage = _add_usage(usage, verdict.usage)
    return totals.model_copy(
        update={
            "input_tokens": usage.input_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "output_tokens": usage.output_tokens,
            "cost_usd": round(usage.cost_usd, 8),
        }
    )


def _finish(
    store: Store,
    run_id: int,
    status: str,
    previous: RunTotals | None,
    executor: _Executor,
    started: float,
) -> tuple[RunTotals, list[LinkedVerdict]]:
    """Write the run's totals (spend counted from the verdicts it made) and its status."""
    linked = store.run_verdicts(run_id)
    made = [item.verdict for item in linked if not item.cache_hit]
    before = previous or RunTotals()
    spent = _spend(RunTotals(), made).model_copy(
        update={
            "calls": before.calls + executor.calls,
            "cache_hits": sum(item.cache_hit for item in linked),
            "out_of_scope": before.out_of_scope + executor.out_of_scope,
            "wall_s": before.wall_s + (time.perf_counter() - started),
        }
    )
    totals = RunTotals.model_validate(
        {**spent.model_dump(), **_judge_stats(executor.judge, before)}
    )
    result = build_result(_placeholder_info(run_id), [item.verdict for item in linked], totals)
    store.finish_run(run_id, status, result.totals.model_dump(mode="json"))
    return result.totals, linked


def _judge_stats(judge: Judge, before: RunTotals) -> dict[str, Any]:
    """The judge's run-level statistics (added to a resumed run's), keyed as in the totals."""
    stats = run_stats_of(judge)
    if stats is None or stats.key not in RunTotals.model_fields:
        return {}
    previous = getattr(before, stats.key)
    dumped = previous.model_dump() if hasattr(previous, "model_dump") else previous
    return {stats.key: stats.merged(dumped)}


def _placeholder_info(run_id: int) -> RunInfo:
    return RunInfo(
        id=run_id,
        started="",
        status="",
        constitution_id="",
        constitution_version="",
        judge="",
        model="",
        prompt_version="",
    )


__all__ = [
    "DEFAULT_CONCURRENCY",
    "MODES",
    "CheckPlan",
    "CheckProgress",
    "ProgressCallback",
    "arun_check",
    "cache_key",
    "load_run",
    "out_of_scope_reason",
    "plan_check",
    "run_check",
    "select_principles",
]
