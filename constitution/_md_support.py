"""Support for the Markdown parser: collected diagnostics, YAML inside Markdown, front matter.

YAML found in a Markdown file (front matter, ```` ```rubric ```` blocks...) is loaded with
ruamel so that every error points at its line in the Markdown file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from constitution._fastyaml import error_place, load_positioned
from constitution._md_blocks import split_front_matter
from constitution._positions import path_position, to_plain
from constitution.errors import ConstitutionLoadError, Diagnostic, Severity
from constitution.model import LintConfig, SourceLocation, Tier

FRONT_MATTER_KEYS = (
    "constitution", "id", "title", "version", "description", "extends", "include",
    "tiers", "lint", "metadata",
)  # fmt: skip

Where = Callable[..., tuple[int, int]]
"""Finds the (line, column) of a model path: ``where(loc, key=False)``."""


class Report:
    """Collects diagnostics for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []

    def error(self, line: int, column: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.file, line, column, Severity.ERROR, message))

    def validate(self, model: type[BaseModel], data: Any, where: Where, what: str) -> Any:
        """Validate ``data`` as ``model``; report each pydantic error where ``where`` says."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                name = ".".join(str(p) for p in loc)
                if err["type"] == "extra_forbidden":
                    message = f"unknown key '{loc[-1]}' in {what}"
                elif err["type"] == "missing":
                    message = f"{what} is missing required key '{name}'"
                else:
                    message = f"{what}: {name}: {err['msg'].removeprefix('Value error, ')}"
                key = err["type"] == "extra_forbidden"
                self.error(*(where(loc, key=True) if key else where(loc)), message)
            return None

    def location(self, line: int, column: int = 1) -> SourceLocation:
        return SourceLocation(file=self.file, line=line, column=column)


def plain(value: Any) -> Any:
    """A loaded YAML value as plain dicts, lists and scalars, all the way down (dates as text)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return to_plain(value)


def under(where: Where, *prefix: Any) -> Where:
    """A position finder for paths below ``prefix``."""

    def inner(loc: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
        return where((*prefix, *loc), key=key)

    return inner


def load_yaml(report: Report, text: str, first_line: int) -> tuple[Any, Where] | None:
    """Load YAML whose first line is line ``first_line`` of the Markdown file."""
    try:
        tree = load_positioned(text)
    except MarkedYAMLError as exc:
        line, col, problem = error_place(exc)
        report.error(first_line + line, col + 1, f"invalid YAML: {problem}")
        return None
    except YAMLError as exc:
        report.error(first_line, 1, f"invalid YAML: {exc}")
        return None

    def where(path: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
        line, col = path_position(tree, list(path), key=key) or (1, 1)
        return first_line + line - 1, col

    return tree, where


def front_matter_fields(
    report: Report, lines: list[str], fragment: bool
) -> tuple[dict[str, Any], Where, int]:
    """Document fields from the front matter, a position finder, and the body's first line."""
    try:
        fm = split_front_matter(lines)
    except ValueError as exc:
        report.error(1, 1, str(exc))
        raise ConstitutionLoadError(report.diagnostics) from None
    nowhere: Where = lambda loc, key=False: (1, 1)  # noqa: E731
    if fm is None:
        if not fragment:
            report.error(
                1, 1, "missing front matter: start the file with '---', the document's "
                "id, title and version in YAML, and '---'"
            )  # fmt: skip
        # Placeholder fields, so the missing front matter is reported once.
        return {"id": "untitled", "title": "", "version": "0.0.0"}, nowhere, 0
    loaded = load_yaml(report, fm.text, fm.first_line)
    if loaded is None:
        return {"id": "untitled", "title": "", "version": "0.0.0"}, nowhere, fm.end
    tree, where = loaded
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        report.error(fm.first_line, 1, "front matter must be a YAML mapping of document fields")
        return {}, nowhere, fm.end
    allowed = ("constitution",) if fragment else FRONT_MATTER_KEYS
    for key in tree:
        if key not in allowed:
            hint = (
                ": sections and principles are headings in Markdown"
                if key in ("sections", "principles")
                else ""
            )
            line, col = path_position(tree, [key], key=True) or (1, 1)
            report.error(
                fm.first_line + line - 1, col, f"unknown key '{key}' in front matter{hint}"
            )
    if "constitution" in tree and tree["constitution"] != 1:
        report.error(
            *where(("constitution",)),
            f"unsupported format version {tree['constitution']!r}: expected 1",
        )
    fields = ("id", "title", "version", "description", "extends", "include", "metadata")
    head: dict[str, Any] = {k: plain(tree[k]) for k in fields if k in tree}
    tiers_raw = tree.get("tiers") or []
    if not isinstance(tiers_raw, list):
        report.error(*where(("tiers",)), "'tiers' must be a list, highest priority first")
        tiers_raw = []
    tiers = []
    for i, raw in enumerate(tiers_raw):
        data = {"id": str(raw)} if isinstance(raw, str) else plain(raw)
        if isinstance(data, dict):
            data["source"] = report.location(*where(("tiers", i)))
        tiers.append(report.validate(Tier, data, under(where, "tiers", i), f"tier #{i + 1}"))
    head["tiers"] = [t for t in tiers if t is not None]
    if "lint" in tree:
        lint_where = under(where, "lint")
        lint = report.validate(LintConfig, plain(tree["lint"]), lint_where, "lint settings")
        head["lint"] = lint or LintConfig()
    return head, where, fm.end


__all__ = [
    "FRONT_MATTER_KEYS",
    "Report",
    "Where",
    "front_matter_fields",
    "load_yaml",
    "plain",
    "under",
]
