"""Loading constitutions from disk: the only file I/O of the package.

:func:`load_constitution` reads a YAML or Markdown file, merges the files it
``include``s, layers it on the constitution it ``extends`` and checks the result
(duplicate ids, unknown tiers, overrides of non-overridable principles, cycles).
Every problem is collected and raised together as :class:`ConstitutionLoadError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from constitution.checks import check_constitution
from constitution.errors import ConstitutionLoadError, Diagnostic, Severity
from constitution.model import Constitution, Principle, Section, SourceLocation
from constitution.yaml_syntax import parse_yaml

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})


def _error(loc: SourceLocation | None, file: str, message: str) -> Diagnostic:
    if loc is None:
        return Diagnostic(file, 0, 0, Severity.ERROR, message)
    return Diagnostic(loc.file, loc.line, loc.column, Severity.ERROR, message)


def parse_constitution(text: str, *, source: str, fragment: bool = False) -> Constitution:
    """Parse one document (YAML, or Markdown when ``source`` ends in ``.md``).

    ``include`` and ``extends`` are kept as written, not resolved.
    """
    if Path(source).suffix.lower() in MARKDOWN_SUFFIXES:
        from constitution.markdown_syntax import parse_markdown

        return parse_markdown(text, source=source, fragment=fragment)
    return parse_yaml(text, source=source, fragment=fragment)


def read_text(path: Path, *, referrer: SourceLocation | None = None) -> str:
    """Read a file, turning OS errors into a diagnostic at the place that named it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"no such file: {path}"
    except IsADirectoryError:
        msg = f"is a directory, expected a constitution file: {path}"
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text ({exc.reason} at byte {exc.start}): {path}"
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror}"
    raise ConstitutionLoadError([_error(referrer, str(path), msg)])


Reader = Callable[..., str]
"""Reads a file's text: ``reader(path, referrer=SourceLocation | None)``."""


def load_document(path: Path, *, referrer: SourceLocation | None = None) -> Constitution:
    """Load one file without resolving ``include`` or ``extends``."""
    return parse_constitution(read_text(path, referrer=referrer), source=str(path))


def load_constitution(path: Path | str, *, reader: Reader = read_text) -> Constitution:
    """Load a constitution file and everything it includes and extends.

    Returns the resolved constitution: inherited principles come first (in the base's
    order, overridden ones replaced in place), then this file's own. ``reader`` lets
    callers read files from elsewhere than the working tree (a git revision).
    """
    return _load(Path(path), chain=(), referrer=None, reader=reader)


def _load(
    path: Path, *, chain: tuple[Path, ...], referrer: SourceLocation | None, reader: Reader
) -> Constitution:
    key = Path(os.path.normpath(path.absolute()))
    if key in chain:
        cycle = " -> ".join(_display(p) for p in (*chain, key))
        raise ConstitutionLoadError([_error(referrer, str(path), f"cyclic extends: {cycle}")])
    text = reader(path, referrer=referrer)
    doc = parse_constitution(text, source=str(path))
    diagnostics: list[Diagnostic] = []
    sections = list(doc.sections)
    principles = list(doc.principles)
    for name in doc.include:
        try:
            where = _key_location(text, str(path), name)
            part_text = reader(path.parent / name, referrer=where)
            part = parse_constitution(part_text, source=str(path.parent / name), fragment=True)
        except ConstitutionLoadError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        sections.extend(part.sections)
        principles.extend(part.principles)
    base: Constitution | None = None
    if doc.extends is not None:
        try:
            base = _load(
                path.parent / doc.extends,
                chain=(*chain, key),
                referrer=_key_location(text, str(path), "extends"),
                reader=reader,
            )
        except ConstitutionLoadError as exc:
            diagnostics.extend(exc.diagnostics)
    merged_principles = principles
    tiers = doc.tiers
    if base is not None:
        sections = _merge_sections(base.sections, sections)
        merged_principles = _override(base.principles, principles, diagnostics)
        tiers = doc.tiers or base.tiers
    resolved = doc.model_copy(
        update={"sections": tuple(sections), "principles": tuple(merged_principles), "tiers": tiers}
    )
    diagnostics.extend(check_constitution(resolved))
    if diagnostics:
        raise ConstitutionLoadError(_sorted_unique(diagnostics))
    return resolved


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _key_location(text: str, file: str, needle: str) -> SourceLocation:
    """The first line that mentions ``needle`` (an ``extends`` key, an include entry)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return SourceLocation(file=file, line=number, column=len(line) - len(line.lstrip()) + 1)
    return SourceLocation(file=file, line=1, column=1)


def _merge_sections(base: tuple[Section, ...], own: list[Section]) -> list[Section]:
    own_ids = {s.id for s in own}
    return [s for s in base if s.id not in own_ids] + own


def _override(
    base: tuple[Principle, ...], own: list[Principle], diagnostics: list[Diagnostic]
) -> list[Principle]:
    by_id = {p.id: p for p in own}
    merged: list[Principle] = []
    for inherited in base:
        replacement = by_id.pop(inherited.id, None)
        if replacement is None:
            merged.append(inherited)
            continue
        if not inherited.overridable:
            where = inherited.source
            origin = f" (defined at {where.file}:{where.line})" if where else ""
            diagnostics.append(
                _error(
                    replacement.source,
                    "",
                    f"principle '{inherited.id}' is not overridable in the base "
                    f"constitution{origin}",
                )
            )
        merged.append(replacement)
    merged.extend(p for p in own if p.id in by_id)
    return merged


def _sorted_unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: dict[str, Diagnostic] = {}
    for d in diagnostics:
        seen.setdefault(str(d), d)
    return list(seen.values())


__all__ = ["check_constitution", "load_constitution", "load_document", "parse_constitution"]
