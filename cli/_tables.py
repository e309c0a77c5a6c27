"""Tables that never cut an id: a table when it fits the terminal, else one block per row.

``print_rows`` measures the widest cell of every column; when the table is wider than
the terminal, each row becomes its first cell on a line of its own, then the other
columns as ``name value`` pairs wrapped under it. Nothing is truncated in either
layout. Output that is not a terminal (a pipe, a file) always gets the table, as wide
as it needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

Cell = str | Text
GAP = 2
"""Columns of space between two table columns."""


def table_width(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> int:
    """The width the table needs for every cell on one line."""
    widths = [len(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell.plain if isinstance(cell, Text) else cell))
    return sum(widths) + GAP * (len(columns) - 1)


def print_rows(
    console: Console,
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    right: Sequence[str] = (),
    title: str = "",
) -> None:
    """``rows`` as a table under ``columns`` (those in ``right`` right-aligned), or stacked
    when the terminal is too narrow for it (each row headed by ``title`` and its first cell).
    """
    width = table_width(columns, rows)
    if console.is_terminal and width > console.width:
        _print_stacked(console, columns, rows, title)
        return
    table = Table(box=None, pad_edge=False, padding=(0, GAP // 2))
    for name in columns:
        table.add_column(name, justify="right" if name in right else "left", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    if console.is_terminal:
        console.print(table)
        return
    saved = console.width
    console.width = max(width, saved)  # a pipe or a file: as wide as the table needs
    try:
        console.print(table)
    finally:
        console.width = saved


def _print_stacked(
    console: Console, columns: Sequence[str], rows: Sequence[Sequence[Cell]], title: str
) -> None:
    room = max(console.width - 2, 20)
    for row in rows:
        console.print(Text.assemble((title, "bold"), row[0], style="bold"))
        line = Text()
        for name, cell in zip(columns[1:], row[1:], strict=True):
            pair = Text.assemble((f"{name} ", "dim"), cell)
            if line and len(line) + 3 + len(pair) > room:
                console.print(Padding(line, (0, 0, 0, 2)))
                line = Text()
            if line:
                line.append(" · ", style="dim")
            line.append_text(pair)
        if line:
            console.print(Padding(line, (0, 0, 0, 2)))
