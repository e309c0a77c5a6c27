"""``constitution batches``: the message batches of ``check --batch`` runs; cancel some."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from checker.errors import CheckerError
from checker.judges import BatchInfo, Batching, batching_of, close_judge
from checker.store import BatchRow, Store, open_store
from cli._app import app
from cli._config import store_path
from cli._help import CHECK
from cli._judges import DEFAULT_JUDGE, JudgeOption, ModelOption, build_judge
from cli._output import emit
from cli.check_cmd import DbOption

OPEN_STATES = ("preparing", "submitted")


@app.command(rich_help_panel=CHECK)
def batches(
    db: DbOption = None,
    judge: JudgeOption = DEFAULT_JUDGE,
    model: ModelOption = None,
    run: Annotated[
        str | None, typer.Option("--run", help="Only this run's batches (an id or 'latest').")
    ] = None,
    cancel: Annotated[
        list[str] | None,
        typer.Option(
            "--cancel",
            help="Cancel this batch (its id in the list, or the provider's; repeatable)."
            " Its judgments stay not graded: a later --resume does not send them again.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per batch.")] = False,
) -> None:
    """List the batches of `check --batch` runs with their state and counts; cancel some.

    Open batches are asked about at the provider (needs the judge's API key).

    \b
    Example:
      constitution batches --run latest
    """
    with open_store(store_path(db)) as store:
        run_id = store.get_run(run).id if run is not None else None
        rows = store.batches(run_id=run_id)
        grader = build_judge(judge, model)
        batching = batching_of(grader)
        live = asyncio.run(_live(grader, batching, rows, store, cancel or []))
    if as_json:
        emit("".join(json.dumps(_record(r, live.get(r.id))) + "\n" for r in rows), None)
        return
    _print_table(rows, live, batching is not None)


async def _live(
    grader: object, batching: Batching | None, rows: list[BatchRow], store: Store, cancel: list[str]
) -> dict[str, BatchInfo]:
    """Cancel what was asked, then the provider's view of every open batch."""
    try:
        if cancel and batching is None:
            raise CheckerError("--cancel needs a judge that can batch (see docs/BATCH.md)")
        by_any = {key: row for row in rows for key in (row.id, row.provider_id) if key}
        live: dict[str, BatchInfo] = {}
        for wanted in cancel:
            row = by_any.get(wanted)
            if row is None or row.provider_id is None:
                raise CheckerError(f"no submitted batch {wanted!r} in the results store")
            assert batching is not None
            live[row.id] = await batching.cancel(row.provider_id)
            typer.echo(f"canceling {row.provider_id}: {live[row.id].status}", err=True)
        if batching is not None:
            for row in rows:
                if row.state in OPEN_STATES and row.provider_id and row.id not in live:
                    live[row.id] = await batching.retrieve(row.provider_id)
        return live
    finally:
        await close_judge(grader)


def _record(row: BatchRow, info: BatchInfo | None) -> dict[str, Any]:
    seen = info.as_dict() if info is not None else row.info
    return {
        "id": row.id,
        "provider_id": row.provider_id,
        "run": row.run_id,
        "state": row.state,
        "attempt": row.attempt,
        "requests": row.requests,
        "created": row.created,
        "provider": seen,
    }


def _print_table(rows: list[BatchRow], live: dict[str, BatchInfo], can_ask: bool) -> None:
    console = Console(highlight=False, width=200)
    if not rows:
        console.print("no batches in the results store")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("batch", "provider id", "run", "state", "attempt", "requests", "status"):
        table.add_column(column)
    table.add_column("counts")
    for row in rows:
        info = live.get(row.id)
        seen = info.as_dict() if info is not None else row.info
        counts = seen.get("counts") or {}
        table.add_row(
            row.id,
            row.provider_id or "-",
            str(row.run_id),
            row.state,
            str(row.attempt),
            str(row.requests),
            str(seen.get("status", "-")),
            ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "-",
        )
    console.print(table)
    if not can_ask and any(r.state in OPEN_STATES for r in rows):
        console.print("(states as last stored: the judge cannot ask the provider)")
