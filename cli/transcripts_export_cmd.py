"""``constitution transcripts export``: stored transcripts as JSONL or an Inspect log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from checker.audit import audit_transcripts
from checker.errors import CheckerError
from checker.output.html import stored_transcripts
from checker.runner import load_run
from checker.store import open_store
from checker.transcript import Transcript
from checker.transcripts.export import EXPORT_FORMATS, inspect_log_text, native_jsonl
from cli._config import DB_HELP, store_path
from cli._output import emit
from cli.transcripts_cmd import transcripts_app


@transcripts_app.command("export")
def export(
    audit: Annotated[
        str | None, typer.Option("--audit", help="An audit's conversations (id or latest).")
    ] = None,
    run: Annotated[
        str | None, typer.Option("--run", help="The transcripts a check run judged (id or latest).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help=f"One of {', '.join(EXPORT_FORMATS)}.")
    ] = "jsonl",
    out: Annotated[Path | None, typer.Option("--out", help="Write to FILE.")] = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help=DB_HELP),
    ] = None,
) -> None:
    """Write stored transcripts (native JSONL, or an Inspect .json log).

    \b
    Example:
      constitution transcripts export --run latest --out transcripts.jsonl
    """
    if (audit is None) == (run is None):
        raise typer.BadParameter("give one of --audit or --run")
    if output_format not in EXPORT_FORMATS:
        raise typer.BadParameter(
            f"expected one of {', '.join(EXPORT_FORMATS)}", param_hint="--format"
        )
    with open_store(store_path(db)) as store:
        if audit is not None:
            items: list[Transcript] = audit_transcripts(store, audit)
            task = f"audit-{audit}"
        else:
            assert run is not None
            record = store.get_run(run)
            result = load_run(store, record.id)
            items = list(stored_transcripts(store, result).values())
            task = f"check-run-{record.id}"
    if not items:
        raise CheckerError("no stored transcripts to export")
    text = (
        inspect_log_text(items, task=task)
        if output_format == "inspect"
        else "".join(native_jsonl(items))
    )
    emit(text, out)
