"""The typer application object shared by every command module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli._help import JobsGroup, version_callback
from constitution.load import set_allowed_outside

app = typer.Typer(
    name="constitution",
    cls=JobsGroup,
    help="Write AI constitutions as files, check transcripts against them, review revisions.",
    epilog="Run `constitution COMMAND --help` for a command's options and an example.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _options(
    allow_outside_dirs: Annotated[
        list[Path] | None,
        typer.Option(
            "--allow-outside",
            metavar="DIR",
            help="Let include/extends read files under DIR, outside the project (repeatable).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Write AI constitutions as files, check transcripts against them, review revisions."""
    set_allowed_outside(allow_outside_dirs or ())
