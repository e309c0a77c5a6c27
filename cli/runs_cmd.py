"""``constitution runs`` and ``report``: list the stored runs, render one again.

``report`` exits 1 when a ``--fail-on`` gate fails (see :mod:`cli.check_cmd`), 2 when
the run or the store does not exist.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import typer
from rich.console import Console

from checker.errors import CheckerError
from checker.output import STREAMED_FORMATS, render, stream_run, visible
from checker.output.html import render_check_html, stored_transcripts
from checker.runner import load_run
from checker.store import count_run_verdicts, open_store
from cli._app import app
from cli._check_summary import exit_for_gates
from cli._config import configured_choice, read_store_path, store_path
from cli._help import CHECK
from cli._output import emit, emit_stream
from cli._tables import print_rows
from cli.check_cmd import (
    AllowErrorsOption,
    DbOption,
    FailOnOption,
    FormatChoice,
    FormatOption,
    OutOption,
)

RUN_COUNTS = ("judgments", "violations", "abstained", "errors", "calls", "cost")


@app.command(rich_help_panel=CHECK)
def runs(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False,
) -> None:
    """List the runs in the results store, newest first; stderr names the store read.

    \b
    Example:
      constitution runs --limit 5
    """
    path = read_store_path(db)
    if path is None:
        return
    with open_store(path, read_only=True) as store:  # an immutable store can be listed
        records = store.list_runs(limit)
    if as_json:
        emit("".join(json.dumps(dataclasses.asdict(r)) + "\n" for r in records), None)
        return
    columns = ("run", "started", "status", "constitution", "judge", *RUN_COUNTS)
    rows = []
    for r in records:
        t = r.totals
        rows.append(
            (
                str(r.id),
                r.started,
                r.status,
                visible(f"{r.constitution_id} {r.constitution_version}", keep_newlines=False),
                visible(f"{r.judge}/{r.model}", keep_newlines=False),
                *(str(t.get(key, "-")) for key in RUN_COUNTS[:-1]),
                f"${t['cost_usd']:.4f}" if "cost_usd" in t else "-",
            )
        )
    print_rows(
        Console(highlight=False, markup=False),
        columns,
        rows,
        right=("run", *RUN_COUNTS),
        title="run ",
    )


LARGE_RUN = 100_000
"""``report`` of a run with more verdicts than this streams table, json and jsonl."""


@app.command(rich_help_panel=CHECK)
def report(
    run: Annotated[str, typer.Argument(help="The run id (see `constitution runs`) or 'latest'.")],
    db: DbOption = None,
    output_format: FormatOption = None,
    out: OutOption = None,
    fail_on: FailOnOption = None,
    allow_errors: AllowErrorsOption = 0,
) -> None:
    """Render a stored run again, in any format. Exit code 1 when a --fail-on gate fails.

    \b
    Example:
      constitution report latest --format markdown
    """
    output_format = configured_choice(FormatChoice, output_format, "format") or FormatChoice.TABLE
    path = store_path(db)
    if not path.exists():
        raise CheckerError(f"no results store at {path}: no run to report")
    with open_store(path, read_only=True) as store:
        large = count_run_verdicts(store, store.get_run(run).id) > LARGE_RUN
        streamed = large and output_format.value in STREAMED_FORMATS
        result = load_run(store, run, summary_only=streamed)
        html = output_format is FormatChoice.HTML
        shown = stored_transcripts(store, result) if html else {}
        if streamed:
            emit_stream(lambda write: stream_run(store, result, output_format.value, write), out)
    if html:
        emit(render_check_html(result, shown), out)
    elif not streamed:
        emit(render(result, output_format.value), out)
    err = Console(stderr=True, highlight=False, markup=False)
    exit_for_gates(err, result, fail_on, allow_errors)
