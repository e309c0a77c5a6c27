"""One message for a missing input file, whatever the command: ``error: PATH: no such file
or directory`` on stderr, exit code 2 (checked before anything is read)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer

EXIT_USAGE = 2
STDIN = "-"


def require_files(paths: Iterable[Path | str | None]) -> None:
    """Exit 2 naming the first path that does not exist (``-`` and globs are left to the
    readers: a glob that matches nothing is reported by them)."""
    for path in paths:
        if path is None:
            continue
        text = str(path)
        if text == STDIN or any(c in text for c in "*?["):
            continue
        if not Path(text).exists():
            typer.echo(f"error: {text}: no such file or directory", err=True)
            raise typer.Exit(EXIT_USAGE)
