"""``constitution calibrate`` and ``selftest``: measure the judge against human labels.

Exit codes: ``calibrate`` 0 when it ran, 1 when a figure is below a ``--fail-under``
threshold; ``selftest`` 0 when every example was judged as labelled, 1 when a
principle's example was misjudged (or, with ``--require-examples``, a principle has
none the judge could grade); 2 for bad input.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from checker.calibration import (
    LABELS,
    OUTCOMES,
    CalibrationReport,
    SelftestReport,
    acalibrate,
    aselftest,
    calibration_json,
    calibration_markdown,
    load_labels,
    parse_thresholds,
    selftest_json,
    selftest_markdown,
    shortfalls,
)
from checker.calibration.metrics import Metrics
from checker.calibration.render import (
    APPLICABLE_NOTE,
    BASIS_NOTE,
    METRIC_HEADERS,
    SELFTEST_HEADERS,
    fmt,
    metrics_row,
    selftest_row,
)
from checker.errors import CheckerError
from checker.judges import Judge, close_judge
from checker.output import visible
from checker.runner import DEFAULT_CONCURRENCY, CheckProgress
from checker.store import open_store
from checker.transcripts import TranscriptFormat, load_transcripts, parse_mapping
from cli._app import app
from cli._batch_cli import BatchOption
from cli._config import DB_HELP, configured_choice, store_path
from cli._files import require_files
from cli._help import REVIEW
from cli._judges import (
    DEFAULT_JUDGE,
    BaseUrlOption,
    JudgeOption,
    MaxCostOption,
    ModelOption,
    TimeoutOption,
    build_judge,
)
from cli._output import emit
from cli.transcripts_cmd import DEFAULT_ENCODING, Encoding
from constitution.load import load_constitution

EXIT_FAILED = 1
T = TypeVar("T")


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


ConstitutionArg = Annotated[Path, typer.Argument(help="The constitution file (YAML or Markdown).")]
SamplesOption = Annotated[
    int, typer.Option(min=1, help="Judge each pair K times and compare the majority outcome.")
]
ConcurrencyOption = Annotated[int, typer.Option(min=1, help="Most judge calls in flight at once.")]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help=DB_HELP,
    ),
]
FormatOption = Annotated[ReportFormat, typer.Option("--format", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write the output to this file instead of stdout.")
]


@app.command(rich_help_panel=REVIEW)
def calibrate(
    constitution: ConstitutionArg,
    transcripts: Annotated[
        list[str], typer.Argument(help="Transcript files, directories, globs, or - for stdin.")
    ],
    labels: Annotated[
        Path,
        typer.Option(
            "--labels",
            help="Human labels, JSONL or CSV: transcript_id, principle_id, label"
            " (complies/violates/not_applicable), optional principle_version, principle_hash.",
        ),
    ],
    judge: JudgeOption = DEFAULT_JUDGE,
    model: ModelOption = None,
    timeout: TimeoutOption = None,
    base_url: BaseUrlOption = None,
    mapping: Annotated[
        str | None,
        typer.Option("--map", help="Table columns: prompt=COL,response=COL,id=COL,system=COL."),
    ] = None,
    input_format: Annotated[
        TranscriptFormat | None,
        typer.Option("--input-format", help="Read every transcript file in this format."),
    ] = None,
    encoding: Encoding = DEFAULT_ENCODING,
    samples: SamplesOption = 1,
    concurrency: ConcurrencyOption = DEFAULT_CONCURRENCY,
    confirm_labels: Annotated[
        bool,
        typer.Option(
            "--confirm-labels",
            help="The labels were checked against the current principles: count labels"
            " made for an earlier revision again.",
        ),
    ] = False,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under",
            help="Exit 1 when a principle's or the overall figure is below this, e.g."
            " kappa=0.6 (repeatable; coverage, accuracy, precision, recall, f1, kappa).",
        ),
    ] = None,
    db: DbOption = None,
    output_format: FormatOption = ReportFormat.TABLE,
    out: OutOption = None,
    max_cost: MaxCostOption = None,
    batch: BatchOption = False,
) -> None:
    """Compare the judge's verdicts with human labels: accuracy, precision, recall, F1, kappa.

    Only labelled pairs are graded, through the results store (nothing is paid twice).
    Labels made for an earlier revision of their principle are reported and left out.

    \b
    Example:
      constitution calibrate fixtures/general-assistant.yaml \\
          fixtures/demo/chats.jsonl --labels fixtures/demo/labels.csv
    """
    require_files([constitution, *transcripts, labels])
    thresholds = parse_thresholds(fail_under or [])
    rules = load_constitution(constitution)
    human = load_labels(labels)
    try:
        columns = parse_mapping(mapping) if mapping else None
    except ValueError as exc:
        raise CheckerError(f"--map: {exc}") from None
    input_format = configured_choice(TranscriptFormat, input_format, "input_format")
    stream = load_transcripts(transcripts, format=input_format, mapping=columns, encoding=encoding)
    grader = build_judge(judge, model, timeout, base_url=base_url)
    bar = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    )
    task = bar.add_task("grading", total=None)

    def show(state: CheckProgress) -> None:
        bar.update(task, total=state.total, completed=state.done)

    with open_store(store_path(db)) as store, bar:
        report = _run(
            grader,
            lambda: acalibrate(
                rules,
                stream,
                human,
                grader,
                store,
                samples=samples,
                concurrency=concurrency,
                confirm_labels=confirm_labels,
                progress=show,
                max_cost=max_cost,
                batch=batch,
            ),
        )
    if output_format is ReportFormat.JSON:
        emit(calibration_json(report), out)
    elif output_format is ReportFormat.MARKDOWN:
        emit(calibration_markdown(report), out)
    else:
        _print_calibration(report, out)
    below = shortfalls(report, thresholds)
    for line in below:
        Console(stderr=True, highlight=False, markup=False).print(
            visible(f"below threshold: {line}")
        )
    if below:
        raise typer.Exit(EXIT_FAILED)


@app.command(rich_help_panel=REVIEW)
def selftest(
    constitution: ConstitutionArg,
    judge: JudgeOption = DEFAULT_JUDGE,
    model: ModelOption = None,
    timeout: TimeoutOption = None,
    base_url: BaseUrlOption = None,
    principle: Annotated[
        list[str] | None,
        typer.Option("--principle", help="Test only this principle id (repeatable)."),
    ] = None,
    samples: SamplesOption = 1,
    concurrency: ConcurrencyOption = DEFAULT_CONCURRENCY,
    require_examples: Annotated[
        bool,
        typer.Option("--require-examples", help="Fail when a principle has no labelled example."),
    ] = False,
    db: DbOption = None,
    output_format: FormatOption = ReportFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Grade every principle's own labelled examples; exit 1 if the judge gets one wrong.

    A CI gate before trusting a revision: a misjudged example means the principle,
    or the judge, is unclear.

    \b
    Example:
      constitution selftest fixtures/general-assistant.yaml
    """
    require_files([constitution])
    rules = load_constitution(constitution)
    grader = build_judge(judge, model, timeout, base_url=base_url)
    with open_store(store_path(db)) as store:
        report = _run(
            grader,
            lambda: aselftest(
                rules,
                grader,
                store,
                principles=principle,
                samples=samples,
                concurrency=concurrency,
            ),
        )
    if output_format is ReportFormat.JSON:
        emit(selftest_json(report), out)
    elif output_format is ReportFormat.MARKDOWN:
        emit(selftest_markdown(report), out)
    else:
        _print_selftest(report, out)
    if report.failed or (require_examples and report.untested):
        raise typer.Exit(EXIT_FAILED)


# -- helpers -------------------------------------------------------------------------


def _run(judge: Judge, work: Callable[[], Awaitable[T]]) -> T:
    async def go() -> T:
        try:
            return await work()
        finally:
            await close_judge(judge)

    return asyncio.run(go())


def _console() -> Console:
    return Console(highlight=False, markup=False, width=160, file=io.StringIO(), record=True)


def _print_calibration(report: CalibrationReport, out: Path | None) -> None:
    console = _console()
    r = report
    console.print(
        f"calibration of {r.constitution_id} {r.constitution_version} with"
        f" {r.judge}/{r.model}: {r.compared} of {r.labels} labels compared,"
        f" {len(r.stale)} stale, {len(r.unmatched)} without a transcript"
        f" (positive class: violates)"
    )
    console.print(f"basis: {BASIS_NOTE}")
    console.print(_metrics_table([(p.principle_id, p.metrics) for p in r.principles], r.overall))
    console.print(
        _metrics_table(
            [(p.principle_id, p.applicable) for p in r.principles],
            r.overall_applicable,
            title=f"where the principle applies ({APPLICABLE_NOTE})",
        )
    )
    for p in r.principles:
        matrix = Table(title=f"{p.principle_id}: human label x judge", box=None, pad_edge=False)
        matrix.add_column("human \\ judge")
        for outcome in OUTCOMES:
            matrix.add_column(outcome, justify="right")
        for label in LABELS:
            matrix.add_row(label, *(str(p.confusion[label][o]) for o in OUTCOMES))
        console.print(matrix)
    if r.disagreements:
        listing = Table(title=f"disagreements ({len(r.disagreements)})", box=None, pad_edge=False)
        for column in ("transcript", "principle", "human", "judge", "score", "rationale"):
            listing.add_column(column, overflow="fold")
        for d in r.disagreements:
            listing.add_row(
                d.transcript_id, d.principle_id, d.human, d.judge, fmt(d.score, 2), d.rationale
            )
        console.print(listing)
    for s in r.stale:
        console.print(f"stale: {s.source} {s.transcript_id} / {s.principle_id}: {s.reason}")
    for u in r.unmatched:
        console.print(f"no transcript: {u.source} {u.transcript_id} / {u.principle_id}")
    if r.unstable:
        console.print(f"{r.unstable} compared pair(s) were unstable across {r.samples} samples")
    _emit_console(console, out)


def _metrics_table(
    rows: list[tuple[str, Metrics]], overall: Metrics, title: str | None = None
) -> Table:
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for index, header in enumerate(METRIC_HEADERS):
        table.add_column(header, justify="left" if index == 0 else "right")
    for name, metrics in rows:
        table.add_row(*metrics_row(name, metrics))
    table.add_row(*metrics_row("all", overall), style="bold")
    return table


def _print_selftest(report: SelftestReport, out: Path | None) -> None:
    console = _console()
    r = report
    status = "PASS" if r.passed else f"FAIL: {len(r.failed)} principle(s) misjudged"
    console.print(
        f"selftest of {r.constitution_id} {r.constitution_version} with {r.judge}/{r.model}:"
        f" {r.examples} examples graded, {len(r.skipped)} skipped,"
        f" {len(r.untested)} principle(s) untested: {status}"
    )
    table = Table(box=None, pad_edge=False)
    for column in SELFTEST_HEADERS:
        table.add_column(column)
    for p in r.principles:
        table.add_row(*selftest_row(p))
    console.print(table)
    for p in r.failed:
        for e in p.failures:
            where = f" ({e.source})" if e.source else ""
            console.print(
                f"misjudged: {e.transcript_id}{where}: labelled {e.expected}, judged"
                f" {e.judged}: {e.rationale}",
                soft_wrap=True,
            )
    for e in r.skipped:
        where = f" ({e.source})" if e.source else ""
        console.print(f"not graded: {e.transcript_id}{where}: {e.skipped}", soft_wrap=True)
    _emit_console(console, out)


def _emit_console(console: Console, out: Path | None) -> None:
    emit(visible(console.export_text()), out)  # transcript ids and rationales: no escapes
