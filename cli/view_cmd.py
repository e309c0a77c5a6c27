"""``constitution view``: browse the results store in a local web page (read-only)."""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from checker.errors import CheckerError
from checker.view import DEFAULT_HOST, DEFAULT_PORT, make_server
from cli._app import app
from cli._config import DB_HELP, store_path
from cli._help import REVIEW


@app.command(rich_help_panel=REVIEW)
def view(
    db: Annotated[
        Path | None,
        typer.Option("--db", help=DB_HELP),
    ] = None,
    port: Annotated[
        int, typer.Option(help="Port to listen on; 0 picks a free one (the URL is printed).")
    ] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(help="Address to bind. Anything but 127.0.0.1 shows the store to others."),
    ] = DEFAULT_HOST,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a browser.")
    ] = True,
) -> None:
    """Serve the runs, reports, diffs and transcripts of the store read-only; Ctrl-C stops.

    \b
    Example:
      constitution view --port 0
    """
    try:
        server = make_server(store_path(db), host, port)
    except OSError as exc:
        raise CheckerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    print(f"constitution view: {server.url} (read-only; Ctrl-C stops)", flush=True)
    if host != DEFAULT_HOST:
        print(f"warning: listening on {host}, not only this machine", file=sys.stderr)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
