"""``constitution judges``: every registered judge, what it needs, and whether it is usable here.

Exit code 0; 2 when an installed plugin cannot be registered (it takes a built-in
judge's name).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from checker.judges import judge_entries
from checker.judges.registry import AUTO_RULE
from cli._app import app
from cli._help import CHECK


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command("judges", rich_help_panel=CHECK)
def judges_command(
    output_format: Annotated[
        ListFormat, typer.Option("--format", help="table or json.")
    ] = ListFormat.TABLE,
) -> None:
    """List the judges --judge accepts: description, needs, and usable here (and why not).

    \b
    Example:
      constitution judges
    """
    rows = []
    for entry in judge_entries():
        status = entry.available()
        rows.append(
            {
                "name": entry.name,
                "description": entry.description,
                "needs": entry.needs,
                "usable": status.usable,
                "reason": status.reason,
                "plugin": entry.distribution,
            }
        )
    if output_format is ListFormat.JSON:
        typer.echo(json.dumps({"judges": rows, "auto": AUTO_RULE}, indent=2))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("judge", "description", "needs", "usable here"):
        table.add_column(column, overflow="fold")
    for row in rows:
        usable = "yes" if row["usable"] else f"no: {row['reason']}"
        name = str(row["name"]) + (f" ({row['plugin']})" if row["plugin"] else "")
        cells = (name, str(row["description"]), str(row["needs"]), usable)
        table.add_row(*(Text(cell) for cell in cells))
    console = Console(highlight=False, soft_wrap=False)
    console.print(table)
    console.print(f"auto = {AUTO_RULE}", markup=False)
