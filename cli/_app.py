"""The typer application object shared by every command module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="constitution",
    help="Write AI constitutions as files, check transcripts against them, review revisions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
