"""Loading constitutions from disk: the only file I/O of the package.

:func:`load_constitution` reads a YAML or Markdown file, merges the files it
``include``s, layers it on the constitution it ``extends`` and checks the result
(duplicate ids, unknown tiers, overrides of non-overridable principles, cycles).
Every problem is collected and raised together as :class:`ConstitutionLoadError`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from constitution.checks import check_constitution, check_parts
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


MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest constitution file read (16 MiB)."""

_allowed_outside: list[Path] = []


def set_allowed_outside(paths: Iterable[Path | str]) -> None:
    """Let ``include``/``extends`` of every later load reach files under ``paths`` too.

    Replaces the directories set before. The CLI's ``--allow-outside`` calls this;
    library callers may rather pass ``allow_outside=`` to :func:`load_constitution`.
    """
    _allowed_outside[:] = [Path(os.path.realpath(p)) for p in paths]


def read_text(path: Path, *, referrer: SourceLocation | None = None) -> str:
    """Read a regular file of at most :data:`MAX_FILE_BYTES`, as UTF-8.

    OS errors, special files (devices, FIFOs) and oversized files become a diagnostic at
    the place that named the file.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            msg = f"not a regular file (a device, FIFO or socket): {path}"
        elif info.st_size > MAX_FILE_BYTES:
            msg = (
                f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB ({info.st_size} bytes): {path}"
            )
        else:
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                msg = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: {path}"
            else:
                return _decode(data, path)
    except FileNotFoundError:
        msg = f"no such file: {path}"
    except IsADirectoryError:
        msg = f"is a directory, expected a constitution file: {path}"
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror}"
    raise ConstitutionLoadError([_error(referrer, str(path), msg)])


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 text; a bad byte is reported at its own line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise ConstitutionLoadError(
            [Diagnostic(str(path), line, column, Severity.ERROR, msg)]
        ) from None


Reader = Callable[..., str]
"""Reads a file's text: ``reader(path, referrer=SourceLocation | None)``."""


def load_document(path: Path, *, referrer: SourceLocation | None = None) -> Constitution:
    """Load one file without resolving ``include`` or ``extends``."""
    return parse_constitution(read_text(path, referrer=referrer), source=str(path))


def load_constitution(
    path: Path | str, *, reader: Reader = read_text, allow_outside: Iterable[Path | str] = ()
) -> Constitution:
    """Load a constitution file and everything it includes and extends.

    Returns the resolved constitution: inherited principles come first (in the base's
    order, overridden ones replaced in place), then this file's own. ``reader`` lets
    callers read files from elsewhere than the working tree (a git revision).

    ``include`` and ``extends`` must name files inside the project: the git work tree
    that holds ``path`` (its directory when it is in none), symbolic links resolved.
    Files under the ``allow_outside`` directories (and those given to
    :func:`set_allowed_outside`) are allowed too.
    """
    path = Path(path)
    scope = _Scope.around(path, allow_outside, on_disk=reader is read_text)
    return _load(path, chain=(), referrer=None, reader=reader, scope=scope)


def load_file(
    path: Path | str, *, allow_outside: Iterable[Path | str] = ()
) -> tuple[Constitution, bool]:
    """A constitution file, or an ``include`` fragment checked on its own; and which it is.

    A fragment is what ``fmt`` takes it for: YAML with no top-level ``id``, Markdown with
    no front matter. It is returned inside a placeholder constitution; its principles'
    tiers are checked by the files that include it. A whole constitution is loaded with
    :func:`load_constitution` (``allow_outside`` goes to it).
    """
    from constitution.formatting import parse_document, syntax_of

    path = Path(path)
    doc, fragment = parse_document(read_text(path), source=str(path), syntax=syntax_of(path))
    if not fragment:
        return load_constitution(path, allow_outside=allow_outside), False
    diagnostics = check_parts(None, doc.sections, doc.principles)
    if diagnostics:
        raise ConstitutionLoadError(_sorted_unique(diagnostics))
    return doc, True


def _load(
    path: Path,
    *,
    chain: tuple[Path, ...],
    referrer: SourceLocation | None,
    reader: Reader,
    scope: _Scope,
) -> Constitution:
    key = scope.identity(path)
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
            part_path = scope.resolve(path, name, where, "include")
            part_text = reader(part_path, referrer=where)
            part = parse_constitution(part_text, source=str(part_path), fragment=True)
        except ConstitutionLoadError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        sections.extend(part.sections)
        principles.extend(part.principles)
    base: Constitution | None = None
    if doc.extends is not None:
        try:
            where = _key_location(text, str(path), "extends")
            base = _load(
                scope.resolve(path, doc.extends, where, "extends"),
                chain=(*chain, key),
                referrer=where,
                reader=reader,
                scope=scope,
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


class _Scope:
    """Where ``include`` and ``extends`` may lead: the project, and directories allowed."""

    def __init__(self, roots: tuple[Path, ...], *, on_disk: bool) -> None:
        self.roots = roots
        self.on_disk = on_disk

    @classmethod
    def around(cls, path: Path, allowed: Iterable[Path | str], *, on_disk: bool) -> _Scope:
        if not on_disk:  # a git revision: paths are relative to the repository's top
            return cls((Path("."),), on_disk=False)
        top = project_root(path)
        extra = [Path(os.path.realpath(p)) for p in allowed]
        return cls((top, *extra, *_allowed_outside), on_disk=True)

    def identity(self, path: Path) -> Path:
        """The same file under any name (symbolic links resolved on disk)."""
        if self.on_disk:
            return Path(os.path.realpath(path))
        return Path(os.path.normpath(path))

    def resolve(self, referrer_file: Path, name: str, where: SourceLocation, key: str) -> Path:
        """``name`` (written in ``referrer_file``) as a path, refused when outside."""
        target = referrer_file.parent / name
        if self.on_disk:
            real = Path(os.path.realpath(target))
            inside = any(real.is_relative_to(root) for root in self.roots)
        else:
            real = Path(os.path.normpath(target))
            inside = not real.is_absolute() and real.parts[:1] != ("..",)
        if inside:
            return target
        kind = "an absolute path" if Path(name).is_absolute() else "a path outside the project"
        message = (
            f"{key}: {name} is {kind} (the project is {self.roots[0]}); "
            "allow it with 'constitution --allow-outside DIR COMMAND ...'"
        )
        raise ConstitutionLoadError([_error(where, str(referrer_file), message)])


def project_root(path: Path) -> Path:
    """The git work tree holding ``path``, else its directory (symbolic links resolved)."""
    start = Path(os.path.realpath(path)).parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


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


__all__ = [
    "MAX_FILE_BYTES",
    "check_constitution",
    "load_constitution",
    "load_document",
    "load_file",
    "parse_constitution",
    "project_root",
    "set_allowed_outside",
]
