"""``constitution store prune``: remove runs, and the transcripts only they used, from the store."""

from __future__ import annotations

from typing import Annotated

import typer

from checker.store import PruneReport, open_store, parse_age, prune_store
from cli._app import app
from cli._config import store_path
from cli._help import CHECK
from cli.check_cmd import DbOption

store_app = typer.Typer(
    help="Manage the results store (what it holds: docs/STORE.md).", no_args_is_help=True
)
app.add_typer(store_app, name="store", rich_help_panel=CHECK)


@store_app.command()
def prune(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="AGE",
            help="Remove runs started before this age (30d, 12h, 2w).",
        ),
    ] = None,
    run: Annotated[
        list[str] | None,
        typer.Option("--run", help="Remove this run (an id or 'latest'; repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be removed; change nothing.")
    ] = False,
    vacuum: Annotated[
        bool, typer.Option("--vacuum", help="Then rewrite the file to give the space back.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Remove runs (by age or id) with the verdicts and transcripts only they used.

    Deleted text is overwritten in the file; --vacuum also shrinks it.

    \b
    Example:
      constitution store prune --older-than 30d --dry-run
    """
    try:
        age = parse_age(older_than) if older_than is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--older-than") from None
    with open_store(store_path(db)) as store:
        report = prune_store(store, older_than=age, runs=run or (), dry_run=dry_run, vacuum=vacuum)
    typer.echo(describe_prune(report))


def describe_prune(report: PruneReport) -> str:
    """``removed 2 runs (3, 4): 12 verdict links, 10 verdicts, 3 transcripts``."""
    verb = "would remove" if report.dry_run else "removed"
    ids = f" ({', '.join(map(str, report.runs))})" if report.runs else ""
    line = (
        f"{verb} {len(report.runs)} run(s){ids}: {report.links} verdict link(s),"
        f" {report.verdicts} verdict(s), {report.transcripts} transcript(s)"
    )
    if report.dry_run:
        line += " (dry run: nothing changed)"
    elif report.vacuumed:
        line += "; the file was rewritten (VACUUM)"
    return line
