"""Commands that work on constitution files: validate, show, lint, schema, new."""

from __future__ import annotations

from cli._app import app


@app.command()
def validate() -> None:
    """Check that constitution files load without errors."""
