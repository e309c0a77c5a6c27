"""``constitution check``, ``runs`` and ``report``: grade transcripts, list and re-render runs.

Exit codes of ``check`` and ``report``: 0 when the run finished and no ``--fail-on``
gate failed; 1 when one did (see :mod:`checker.gate`: ``violates`` fails on a
violation and on more errored judgments than ``--allow-errors`` permits, ``error``
on such errors, ``abstained`` on any abstention; stderr says why); 2 for bad input
(unreadable constitution or transcripts, unknown principle, judge that cannot be
set up); 130 when interrupted (every finished judgment is kept: re-run, or
``--resume RUN``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from enum import StrEnum
from itertools import chain, islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from checker.errors import CheckerError
from checker.gate import Gate
from checker.judges import Judge, close_judge
from checker.output import STREAMED_FORMATS, render, stream_run
from checker.output.html import render_check_html, stored_transcripts
from checker.results import RunResult
from checker.runner import (
    DEFAULT_CONCURRENCY,
    CheckProgress,
    arun_check,
)
from checker.sampling import first_transcripts, sample_transcripts
from checker.store import RunStatus, Store, open_store
from checker.transcript import Transcript
from checker.transcripts import (
    TranscriptFormat,
    TranscriptStream,
    load_checked_transcripts,
    parse_mapping,
)
from cli._app import app
from cli._batch_cli import (
    BatchOption,
    NoWaitOption,
    batch_progress_printer,
    check_batch_options,
)
from cli._check_plan import describe_plan, plan_run
from cli._check_summary import exit_for_gates, print_judge_notes, print_summary
from cli._config import DB_HELP, configured_choice, store_path
from cli._files import require_files
from cli._help import CHECK
from cli._judges import (
    DEFAULT_JUDGE,
    BaseUrlOption,
    JudgeOption,
    MaxCostOption,
    ModelOption,
    ScreenModelOption,
    TimeoutOption,
    build_judge,
)
from cli._output import emit, emit_stream
from cli.transcripts_cmd import DEFAULT_ENCODING, Encoding, InputFormat, Mapping, SkipInvalid
from constitution.load import load_constitution
from constitution.model import Constitution

PREFETCH = 10_000
"""Up to this many transcripts are read before the check starts."""
EXIT_INTERRUPTED = 130


class ModeChoice(StrEnum):
    PER_PRINCIPLE = "per-principle"
    GROUPED = "grouped"


class FormatChoice(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    HTML = "html"


DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help=DB_HELP,
    ),
]
FormatOption = Annotated[
    FormatChoice | None,
    typer.Option(
        "--format",
        help="Output format (default: the project config's, else table).",
        show_default=False,
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write the output to this file instead of stdout.")
]
FailOnOption = Annotated[
    list[Gate] | None,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a pair violates (or more judgments errored than --allow-errors"
        " permits), a judgment errored, or one abstained (repeatable).",
    ),
]
AllowErrorsOption = Annotated[
    int,
    typer.Option(
        "--allow-errors",
        min=0,
        help="Errored judgments --fail-on violates/error lets through (default 0).",
    ),
]


@app.command(rich_help_panel=CHECK)
def check(
    constitution: Annotated[Path, typer.Argument(help="The constitution file (YAML or Markdown).")],
    transcripts: Annotated[
        list[str],
        typer.Argument(help="Transcript files, directories, globs, or - for stdin."),
    ],
    judge: JudgeOption = DEFAULT_JUDGE,
    model: ModelOption = None,
    screen_model: ScreenModelOption = None,
    timeout: TimeoutOption = None,
    base_url: BaseUrlOption = None,
    principle: Annotated[
        list[str] | None,
        typer.Option("--principle", help="Check only this principle id (repeatable)."),
    ] = None,
    mode: Annotated[
        ModeChoice,
        typer.Option(help="per-principle: one call per pair; grouped: one per transcript."),
    ] = ModeChoice.PER_PRINCIPLE,
    samples: Annotated[
        int, typer.Option(min=1, help="Judge each pair K times; report majority and agreement.")
    ] = 1,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Most judge calls in flight at once.")
    ] = DEFAULT_CONCURRENCY,
    db: DbOption = None,
    output_format: FormatOption = None,
    out: OutOption = None,
    fail_on: FailOnOption = None,
    allow_errors: AllowErrorsOption = 0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count judgments, calls, tokens and cost; grade none.")
    ] = False,
    resume: Annotated[
        str | None,
        typer.Option(help="Continue this run (an id or 'latest'): finished judgments are kept."),
    ] = None,
    input_format: InputFormat = None,
    mapping: Mapping = None,
    skip_invalid: SkipInvalid = False,
    encoding: Encoding = DEFAULT_ENCODING,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Check only the first N transcripts.")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, help="Check N transcripts drawn at random (--seed)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --sample.")] = 0,
    max_cost: MaxCostOption = None,
    batch: BatchOption = False,
    no_wait: NoWaitOption = False,
    store_transcripts: Annotated[
        bool,
        typer.Option(
            "--store-transcripts/--no-store-transcripts",
            help="Keep the transcripts' text in the store (off: verdicts only; later reports"
            " show no conversations and a re-check needs the files again).",
        ),
    ] = True,
) -> None:
    """Grade transcripts against a constitution's principles (cached, resumable).

    Exit code 1 when --fail-on matches, 2 for bad input, 130 when interrupted.

    \b
    Example:
      constitution check fixtures/general-assistant.yaml fixtures/demo/chats.jsonl
    """
    check_batch_options(batch, no_wait)
    require_files([constitution, *transcripts])
    output_format = configured_choice(FormatChoice, output_format, "format") or FormatChoice.TABLE
    input_format = configured_choice(TranscriptFormat, input_format, "input_format")
    rules = load_constitution(constitution)
    err = Console(stderr=True, highlight=False, markup=False)
    screen = str(screen_model) if screen_model is not None else None
    grader = build_judge(
        judge, model, timeout, dry_run=dry_run, screen_model=screen, base_url=base_url
    )
    if mode is ModeChoice.GROUPED and not hasattr(grader, "grade_many"):
        err.print(
            f"mode: per-principle (the {grader.name} judge cannot grade a transcript's"
            " principles in one call, so --mode grouped falls back to one call per pair)"
        )
    stream = _open_transcripts(transcripts, input_format, mapping, skip_invalid, encoding)
    items = _select(err, _read_transcripts(stream, transcripts), limit, sample, seed)
    with open_store(store_path(db)) as store:
        if dry_run:
            plan = asyncio.run(
                plan_run(grader, rules, items, store, principle, samples, mode.value, batch)
            )
            emit(describe_plan(plan, grader), out)
            _report_skipped(err, stream)
            return
        if resume is not None:
            _say_resume(err, store, resume)
        options = {
            "principles": principle,
            "samples": samples,
            "concurrency": concurrency,
            "mode": mode.value,
            "resume": resume,
            "skipped": [str(error) for error in stream.skipped],  # all known: a first pass ran
            "max_cost": max_cost,
            "batch": batch,
            "wait": not no_wait,
            "batch_progress": batch_progress_printer(err),
            # a stream of transcripts is reported from the store, never held whole
            "keep_verdicts": isinstance(items, list) or output_format.value not in STREAMED_FORMATS,
            "store_transcripts": store_transcripts,
        }
        result = _run_with_progress(err, grader, rules, items, store, options)
        shown: Iterable[Transcript] | dict[str, Transcript] = items
        if output_format is FormatChoice.HTML and not isinstance(items, list):
            shown = stored_transcripts(store, result)  # a stream has been read already
        if result.summary_only:
            emit_stream(lambda write: stream_run(store, result, output_format.value, write), out)
    if output_format is FormatChoice.HTML:
        emit(render_check_html(result, shown, rules), out)
    elif not result.summary_only:
        emit(render(result, output_format.value), out)
    _report_skipped(err, stream)
    if output_format is not FormatChoice.TABLE or out is not None:
        print_summary(err, result)
    if result.totals.not_graded:
        err.print(
            f"{result.run.status}: {result.totals.not_graded} judgments not graded"
            f" ({result.totals.stopped}); --resume {result.run.id} grades them",
            soft_wrap=True,
            markup=False,
        )
    print_judge_notes(err, result)
    exit_for_gates(err, result, fail_on, allow_errors)


# -- helpers -------------------------------------------------------------------------


def _open_transcripts(
    paths: list[str],
    input_format: TranscriptFormat | None,
    mapping: str | None,
    skip_invalid: bool,
    encoding: str,
) -> TranscriptStream:
    try:
        columns = parse_mapping(mapping) if mapping else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--map") from None
    return load_checked_transcripts(
        paths,
        format=input_format,
        mapping=columns,
        skip_invalid=skip_invalid,
        warn=lambda line: typer.echo(line, err=True),
        encoding=encoding,
    )


def _read_transcripts(stream: TranscriptStream, paths: list[str]) -> Iterable[Transcript]:
    """The transcripts: a list when there are few (so progress knows the total), else a
    stream that is read as the check goes, never held in memory whole."""
    head = list(islice(stream, PREFETCH))
    if not head:
        skipped = f" ({len(stream.skipped)} invalid records skipped)" if stream.skipped else ""
        raise CheckerError(f"no transcripts found in {', '.join(paths)}{skipped}")
    return head if len(head) < PREFETCH else chain(head, stream)


def _say_resume(err: Console, store: Store, resume: str) -> None:
    record = store.get_run(resume)
    if record.status == RunStatus.COMPLETE:
        err.print(
            f"resume: run {record.id} is complete: only its errored or missing judgments"
            " are graded again; the others are kept"
        )


def _select(
    err: Console, items: Iterable[Transcript], limit: int | None, sample: int | None, seed: int
) -> Iterable[Transcript]:
    """``--limit`` (the first N) or ``--sample`` (N at random), said on stderr."""
    if limit is not None and sample is not None:
        raise typer.BadParameter("give --limit or --sample, not both", param_hint="--sample")
    if limit is not None:
        return first_transcripts(items, limit)
    if sample is not None:
        drawn = sample_transcripts(items, sample, seed)
        err.print(f"sample: {len(drawn.items)} of {drawn.total:,} transcripts (--seed {seed})")
        return drawn.items
    return items


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-/s" if speed is None else f"{speed:.1f}/s")


def _run_with_progress(
    err: Console,
    judge: Judge,
    rules: Constitution,
    items: Iterable[Transcript],
    store: Store,
    options: dict[str, Any],
) -> RunResult:
    progress = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[spend]}"),
        console=err,
        disable=not err.is_terminal,
    )
    task = progress.add_task("grading", total=None, spend="")

    def show(state: CheckProgress) -> None:
        tokens = state.input_tokens + state.cache_read_tokens + state.cache_write_tokens
        spend = (
            f"{tokens + state.output_tokens:,} tok ${state.cost_usd:.4f}"
            f" {state.cache_hits} cached {state.errors} err"
        )
        progress.update(task, total=state.total, completed=state.done, spend=spend)

    async def go() -> RunResult:
        try:
            return await arun_check(rules, items, judge, store, progress=show, **options)
        finally:
            await close_judge(judge)

    try:
        with progress:
            return asyncio.run(go())
    except KeyboardInterrupt:
        latest = store.list_runs(1)
        which = latest[0].id if latest else "?"
        err.print(
            f"interrupted: every finished judgment is stored; re-run, or add --resume {which}"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _report_skipped(err: Console, stream: TranscriptStream) -> None:
    for error in stream.skipped:
        err.print(f"skipped: {error}", markup=False)
    if stream.skipped:
        err.print(f"skipped {len(stream.skipped)} invalid record(s)")
