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
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from typing import Any

from checker.errors import CheckerError
from checker.judges import Judge, require_batching, run_stats_of
from checker.results import RunInfo, RunResult, RunTotals, build_result
from checker.results_stream import summarise_linked
from checker.runner._batch import BatchCheck
from checker.runner._batch_books import POLL_FIRST_S, BatchProgressCallback
from checker.runner._executor import CheckProgress, Executor, ProgressCallback
from checker.runner._plan import Mode, add_usage, check_options
from checker.runner._planner import Planner, select_principles
from checker.store import LinkedVerdict, RunRecord, RunStatus, Store
from checker.store._batches import SUBMITTED
from checker.transcript import Transcript
from checker.verdict import Usage, Verdict
from constitution.model import Constitution

DEFAULT_CONCURRENCY = 32


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
    skipped: Sequence[str] = (),
    max_cost: float | None = None,
    batch: bool = False,
    wait: bool = True,
    batch_progress: BatchProgressCallback | None = None,
    poll_s: float = POLL_FIRST_S,
    keep_verdicts: bool = True,
    store_transcripts: bool = True,
) -> RunResult:
    """Grade ``transcripts`` against the constitution's principles; return the run's result.

    ``principles`` limits the check to those ids; ``samples`` K grades each pair K
    times (see :mod:`checker.results` for how samples are aggregated); ``mode``
    ``grouped`` grades all principles of a transcript in one call when the judge
    has ``grade_many`` (otherwise the run falls back to ``per-principle``, and
    says so in ``result.run.mode``); ``resume`` continues an earlier run. ``skipped``
    lists invalid records left out while reading: they are stored with the run.
    ``max_cost`` (USD) stops the run before work that would pass it (see
    :mod:`checker.runner._budget`): the result counts what was left ``not_graded``.
    ``batch`` grades through the judge's batch engine (see :mod:`checker.runner._batch`;
    ``wait=False`` returns once the batches are submitted, ``batch_progress`` is told
    how they go while the run waits, polling every ``poll_s`` seconds and slower).
    ``keep_verdicts=False`` returns only the summary (``summary_only``): memory stays
    flat for any number of transcripts; render it with :func:`checker.output.stream_run`.
    ``store_transcripts=False`` keeps the verdicts but not the transcripts' text
    (recorded with the run: reports made later say the conversations were not kept).
    """
    check_options(samples, concurrency, mode)
    if max_cost is not None and max_cost < 0:
        raise CheckerError(f"max cost must be 0 or more, not {max_cost}")
    if resume is not None and store.get_run(resume).options.get("batch"):
        batch = True  # a batch run is resumed by collecting its batches
    batching = require_batching(judge) if batch else None
    if batch and mode == "grouped":
        raise CheckerError("--batch grades per principle: leave out --mode grouped")
    grouped = mode == "grouped" and hasattr(judge, "grade_many")
    selected = select_principles(constitution, principles)
    started = time.perf_counter()
    options = {
        "mode": "grouped" if grouped else "per-principle",
        "samples": samples,
        "concurrency": concurrency,
        "principles": [p.id for p in selected],
        "skipped": list(skipped),
        **({"batch": True} if batch else {}),
        "store_transcripts": store_transcripts,
    }
    run_id, previous = _open_run(store, constitution, judge, resume, options)
    work: Executor | BatchCheck
    if batching is not None:
        work = BatchCheck(
            judge,
            batching,
            constitution,
            store,
            run_id,
            progress=batch_progress,
            max_cost=max_cost,
            poll_s=poll_s,
        )
    else:
        work = Executor(judge, constitution, store, run_id, grouped, progress, max_cost)
        work.store_transcripts = store_transcripts
    status = RunStatus.INTERRUPTED
    seen: dict[str, str] = {}
    try:
        planner = Planner(selected, constitution, judge, store, samples, run_id=run_id)
        if isinstance(work, BatchCheck):
            await work.run(planner, _noting_locations(transcripts, seen), wait)
        else:
            total = None
            if isinstance(transcripts, Sized):
                total = len(transcripts) * len(selected) * samples
            work.state = CheckProgress(total=total)
            await work.run(planner, _noting_locations(transcripts, seen), concurrency)
        status = RunStatus.STOPPED if work.not_graded else RunStatus.COMPLETE
        if not wait and store.batches(run_id=run_id, states=[SUBMITTED]):
            status = RunStatus.SUBMITTED
    finally:
        totals = _finish(store, run_id, status, previous, work, started)
    order = [p.id for p in selected]
    if not keep_verdicts:
        return load_run(store, run_id, principle_order=order, totals=totals, summary_only=True)
    result = load_run(store, run_id, principle_order=order, totals=totals)
    known = seen if previous is None else {**result.locations, **seen}  # resumed: both
    return result.model_copy(update={"locations": known})


def load_run(
    store: Store,
    run_id: int | str,
    *,
    principle_order: Sequence[str] | None = None,
    totals: RunTotals | None = None,
    linked: Sequence[LinkedVerdict] | None = None,
    summary_only: bool = False,
) -> RunResult:
    """Rebuild a run's result from the store (``constitution report RUN``).

    ``summary_only``: totals and summaries in one streamed pass, without the pairs
    and verdicts (for runs too large to hold; see :mod:`checker.results_stream`).
    """
    record = store.get_run(run_id)
    if summary_only:
        known = RunTotals.model_validate(record.totals) if record.totals else RunTotals()
        order = principle_order or record.options.get("principles", ())
        return summarise_linked(
            _run_info(record),
            store.iter_run_verdicts(record.id),
            totals or known,
            order,
            with_spend=totals is None and not record.totals,
        )
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
    order = principle_order or record.options.get("principles", ())
    result = build_result(_run_info(record), verdicts, totals, order)
    return result.model_copy(update={"locations": _locations(store, verdicts)})


def _run_info(record: RunRecord) -> RunInfo:
    return RunInfo(
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
        skipped=tuple(record.options.get("skipped", ())),
        transcripts_stored=bool(record.options.get("store_transcripts", True)),
    )


def _noting_locations(
    transcripts: Iterable[Transcript], seen: dict[str, str]
) -> Iterator[Transcript]:
    """The transcripts, noting where each was read (exact for this run; a stored run's
    report can only say where the store first saw each content)."""
    for transcript in transcripts:
        where = location_of(transcript.metadata)
        if where:
            seen[transcript.id] = where
        yield transcript


def location_of(metadata: Mapping[str, Any]) -> str | None:
    """``file:line`` (or the file) from a transcript's ``source`` and ``line`` metadata."""
    source, line = metadata.get("source"), metadata.get("line")
    if not isinstance(source, str):
        return None
    return f"{source}:{line}" if isinstance(line, int) else source


def _locations(store: Store, verdicts: Sequence[Verdict]) -> dict[str, str]:
    hashes = {v.transcript_id: v.transcript_hash for v in verdicts if v.transcript_hash}
    found = store.transcript_locations(hashes.values())
    return {tid: found[digest] for tid, digest in hashes.items() if digest in found}


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
    changed = _changed_options(record.options, options)
    if changed:
        raise CheckerError(
            f"run {record.id} was checked with {changed[0]}; this check asks {changed[1]}:"
            f" resume it with the same options, or start a new run without --resume"
            " (finished judgments are reused from the cache either way)"
        )
    store.reopen_run(record.id)
    previous = RunTotals.model_validate(record.totals) if record.totals else None
    return record.id, previous


RESUME_OPTIONS = ("samples", "mode", "principles")
"""Options a resumed run must keep: they decide which judgments the run is made of."""


def _changed_options(before: dict[str, Any], now: dict[str, Any]) -> tuple[str, str] | None:
    """The options of a run that differ from ``now``, as two phrases; None when none do."""
    keys = [k for k in RESUME_OPTIONS if k in before and before[k] != now.get(k)]
    if not keys:
        return None

    def say(options: dict[str, Any]) -> str:
        return ", ".join(f"{k} {_shown(options.get(k))}" for k in keys)

    return say(before), say(now)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return f"[{', '.join(map(str, value))}]" if len(value) <= 5 else f"({len(value)} ids)"
    return str(value)


def _spend(totals: RunTotals, made: Iterable[Verdict]) -> RunTotals:
    usage = Usage()
    for verdict in made:
        usage = add_usage(usage, verdict.usage)
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
    executor: Executor | BatchCheck,
    started: float,
) -> RunTotals:
    """Write the run's totals (spend counted from the verdicts it made) and its status;
    one streamed pass over the run's verdicts, whatever their number."""
    before = previous or RunTotals()
    counts = RunTotals(
        calls=before.calls + executor.calls,
        out_of_scope=before.out_of_scope + executor.out_of_scope,
        wall_s=before.wall_s + (time.perf_counter() - started),
        not_graded=executor.not_graded,
        stopped=executor.stopped if executor.not_graded else None,
        batches=before.batches + executor.batches_created,
    )
    totals = RunTotals.model_validate(
        {**counts.model_dump(), **_judge_stats(executor.judge, before)}
    )
    linked = store.iter_run_verdicts(run_id)
    summary = summarise_linked(_placeholder_info(run_id), linked, totals, with_spend=True)
    store.finish_run(run_id, status, summary.totals.model_dump(mode="json"))
    return summary.totals


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
