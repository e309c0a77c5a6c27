"""Commands that rewrite constitution files: fmt (normalise or convert) and import."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli._app import app
from cli._files import require_files
from cli._help import AUTHOR
from cli._output import emit
from constitution.errors import ConstitutionError, ConstitutionLoadError, Diagnostic
from constitution.formatting import format_file, syntax_of, write_document
from constitution.importer import import_spec_file


class SyntaxChoice(StrEnum):
    YAML = "yaml"
    MD = "md"


def _err(line: object) -> None:
    print(line, file=sys.stderr)


@app.command(rich_help_panel=AUTHOR)
def fmt(
    paths: Annotated[list[Path], typer.Argument(help="Constitution files (YAML or Markdown).")],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if any file would change.")
    ] = False,
    to: Annotated[
        SyntaxChoice | None,
        typer.Option(help="Convert to this syntax, next to the source (policy.yaml -> policy.md)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the result here instead (one input file only).")
    ] = None,
) -> None:
    """Normalise constitution files in place (YAML comments kept), or convert them with --to.

    \b
    Example:
      constitution fmt --check fixtures/support-bot.yaml
    """
    if out is not None and len(paths) != 1:
        raise ConstitutionError("--out takes exactly one input file")
    require_files(paths)
    failed: list[Diagnostic] = []
    would_change = 0
    for path in paths:
        try:
            result = format_file(path, to=to.value if to else None, out=out, check=check)
        except ConstitutionLoadError as exc:
            failed.extend(exc.diagnostics)
            continue
        converted = result.path != path
        if not result.changed:
            _err(f"{result.path}: unchanged")
        elif check:
            would_change += 1
            _err(f"{result.path}: would {'write' if converted else 'reformat'}")
        else:
            _err(f"{result.path}: {'written from ' + str(path) if converted else 'reformatted'}")
    if failed:
        raise ConstitutionLoadError(failed)
    if would_change:
        raise typer.Exit(1)


@app.command("import", rich_help_panel=AUTHOR)
def import_(
    spec: Annotated[Path, typer.Argument(help="A prose Markdown spec.")],
    out: Annotated[
        Path | None, typer.Option(help="Write the constitution here (default: stdout).")
    ] = None,
    to: Annotated[
        SyntaxChoice | None,
        typer.Option(help="Syntax to write (default: from --out's suffix, else yaml)."),
    ] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="Id of the new constitution.")] = None,
) -> None:
    """Turn a prose Markdown spec into a constitution: {#id} headings become principles.

    \b
    Example:
      constitution import fixtures/specs/assistant-spec.md --out assistant.yaml
    """
    require_files([spec])
    result = import_spec_file(spec, doc_id=doc_id)
    for warning in result.warnings:
        _err(warning)
    syntax = to.value if to else (syntax_of(out) if out is not None else "yaml")
    doc = result.constitution
    emit(write_document(doc, syntax), out)
    _err(
        f"{spec}: imported {len(doc.principles)} principles in {len(doc.sections)} sections"
        + (f" -> {out}" if out is not None else "")
    )
