"""Commands that work on constitution files: validate, show, lint, schema, new."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.tree import Tree

from cli._app import app
from cli._files import require_files
from cli._help import AUTHOR
from cli._output import emit
from constitution.errors import ConstitutionLoadError, Diagnostic
from constitution.lint import RULE_CODES, lint_constitution
from constitution.load import load_constitution, load_file
from constitution.model import Constitution, Principle
from constitution.revisions import load_revision
from constitution.schema import constitution_json_schema
from constitution.starter import STARTER_YAML

SHOW_SCHEMA_VERSION = 1

Paths = Annotated[list[Path], typer.Argument(help="Constitution files (YAML or Markdown).")]


class ShowFormat(StrEnum):
    TREE = "tree"
    JSON = "json"


def _err(line: object) -> None:
    print(line, file=sys.stderr)


@app.command(rich_help_panel=AUTHOR)
def validate(paths: Paths) -> None:
    """Check that constitution files load: every error, with file:line, exit code 2.

    A file with no top-level id (Markdown: no front matter) is an ``include`` fragment,
    checked on its own; its tiers are checked in the files that include it.

    \b
    Example:
      constitution validate fixtures/support-bot.yaml
    """
    require_files(paths)
    failed: list[Diagnostic] = []
    for path in paths:
        try:
            doc, fragment = load_file(path)
        except ConstitutionLoadError as exc:
            failed.extend(exc.diagnostics)
            continue
        what = "fragment" if fragment else f"version {doc.version}"
        _err(f"{path}: ok ({len(doc.principles)} principles, {what})")
    if failed:
        raise ConstitutionLoadError(failed)


def _principle_json(p: Principle) -> dict[str, Any]:
    data = p.model_dump(mode="json")
    data["content_hash"] = p.content_hash()
    data["source"] = p.source.model_dump() if p.source else None
    return data


def constitution_json(doc: Constitution) -> dict[str, Any]:
    """The ``show --format json`` document (schema version in ``schema_version``)."""
    return {
        "schema_version": SHOW_SCHEMA_VERSION,
        "id": doc.id,
        "title": doc.title,
        "version": doc.version,
        "extends": doc.extends,
        "tiers": [t.model_dump(mode="json") for t in doc.tiers],
        "sections": [s.model_dump(mode="json") for s in doc.sections],
        "principles": [_principle_json(p) for p in doc.principles],
    }


def _tree(doc: Constitution) -> Tree:
    root = Tree(f"[bold]{doc.title}[/] ({doc.id} {doc.version})")
    if doc.tiers:
        root.add("tiers: " + " > ".join(t.id for t in doc.tiers))
    nodes: dict[str | None, Tree] = {None: root}
    for s in doc.sections:
        parent = nodes.get(s.parent, root)
        nodes[s.id] = parent.add(f"[bold cyan]{s.title}[/] [dim]({s.id})[/]")
    for p in doc.principles:
        hard = " [red]hard[/]" if p.kind.value == "hard" else ""
        status = f" [yellow]{p.status.value}[/]" if p.status.value != "active" else ""
        line = p.source.line if p.source else "?"
        nodes.get(p.section, root).add(
            f"{p.id} v{p.version} [dim]{p.tier or '-'}[/]{hard}{status}: {p.title} [dim]:{line}[/]"
        )
    return root


@app.command(rich_help_panel=AUTHOR)
def show(
    path: Annotated[Path, typer.Argument(help="Constitution file.")],
    fmt: Annotated[ShowFormat, typer.Option("--format", help="tree or json.")] = ShowFormat.TREE,
    out: Annotated[Path | None, typer.Option("--out", help="Write to FILE.")] = None,
) -> None:
    """Show a constitution as a tree, or every principle as JSON.

    \b
    Example:
      constitution show fixtures/support-bot.yaml --format json
    """
    require_files([path])
    doc = load_constitution(path)
    if fmt is ShowFormat.JSON:
        emit(json.dumps(constitution_json(doc), indent=2, ensure_ascii=False), out)
        return
    console = Console(file=sys.stdout if out is None else open(out, "w"), highlight=False)  # noqa: SIM115
    console.print(_tree(doc))


@app.command(rich_help_panel=AUTHOR)
def lint(
    paths: Paths,
    against: Annotated[
        str | None,
        typer.Option(help="Older revision to compare versions with: a file or git rev (HEAD)."),
    ] = None,
    disable: Annotated[
        list[str] | None, typer.Option(help=f"Rule to turn off: {', '.join(sorted(RULE_CODES))}.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when there are warnings.")] = False,
) -> None:
    """Warn about principles that load but will judge poorly.

    \b
    Example:
      constitution lint fixtures/revisions/v2.yaml --against \\
          fixtures/revisions/v1.yaml
    """
    require_files(paths)
    unknown = set(disable or ()) - RULE_CODES
    if unknown:
        _err(f"error: unknown lint rule(s): {', '.join(sorted(unknown))}")
        raise typer.Exit(2)
    total = 0
    for path in paths:
        doc, _ = load_file(path)
        previous = load_revision(against, default_path=path) if against else None
        for warning in lint_constitution(doc, previous=previous, disable=disable or ()):
            print(warning)
            total += 1
    _err(f"{total} warning(s)")
    if strict and total:
        raise typer.Exit(1)


@app.command(rich_help_panel=AUTHOR)
def schema() -> None:
    """Print the JSON Schema of the YAML format (for editor validation and completion).

    \b
    Example:
      constitution schema > constitution.schema.json
    """
    print(json.dumps(constitution_json_schema(), indent=2))


@app.command(rich_help_panel=AUTHOR)
def new(
    out: Annotated[Path | None, typer.Option("--out", help="Write to FILE.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter constitution.

    \b
    Example:
      constitution new --out my-constitution.yaml
    """
    if out is not None and out.exists() and not force:
        _err(f"error: {out} exists (use --force to overwrite)")
        raise typer.Exit(2)
    emit(STARTER_YAML, out)
    if out is not None:
        _err(f"wrote {out}")
