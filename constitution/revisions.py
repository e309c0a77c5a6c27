"""Constitutions at other revisions: a file path, or a git revision read through ``git show``.

Specs look like ``HEAD`` (the given file at HEAD), ``HEAD~1``, ``v1.2:policies/assistant.yaml``
or a plain path. A directory (on disk or at a revision) stands for the one constitution
in it that no other file there includes or extends. This module runs ``git``; it never
writes anything.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from functools import partial
from pathlib import Path

from constitution.errors import ConstitutionError, ConstitutionLoadError, Diagnostic, Severity
from constitution.load import MARKDOWN_SUFFIXES, load_constitution, parse_constitution, read_text
from constitution.model import Constitution, SourceLocation


class RevisionError(ConstitutionError):
    """A revision spec that names neither a file nor a git revision."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def _git_toplevel(start: Path) -> Path | None:
    res = _git(["rev-parse", "--show-toplevel"], start)
    return Path(res.stdout.strip()) if res.returncode == 0 else None


def _git_reader(rev: str, top: Path, path: Path, *, referrer: SourceLocation | None = None) -> str:
    rel = Path(path).absolute().relative_to(top) if Path(path).is_absolute() else Path(path)
    res = _git(["show", f"{rev}:{rel.as_posix()}"], top)
    if res.returncode != 0:
        where = referrer or SourceLocation(file=f"{rev}:{rel.as_posix()}", line=0, column=0)
        msg = f"no such file at revision {rev}: {rel.as_posix()}"
        raise ConstitutionLoadError(
            [Diagnostic(where.file, where.line, where.column, Severity.ERROR, msg)]
        )
    return res.stdout


def split_revision(spec: str, default_path: Path | None) -> tuple[str, Path] | None:
    """``(rev, path)`` when ``spec`` names a git revision, else None (a plain file)."""
    if Path(spec).exists():
        return None
    rev, sep, path_part = spec.partition(":")
    if sep and path_part:
        return rev, Path(path_part)
    if default_path is None:
        raise RevisionError(f"{spec}: no such file, and no file given to read at that revision")
    return spec, default_path


CONSTITUTION_SUFFIXES = frozenset({".yaml", ".yml"}) | MARKDOWN_SUFFIXES

Reader = Callable[[str], str]
"""Reads one file of a directory listing by name."""


def root_file(directory: str, names: list[str], read: Reader) -> str:
    """The constitution file of a directory listing: the one no other file includes or extends.

    ``names`` are file names in ``directory``; ``read(name)`` returns a file's text.
    Files that do not parse as a whole constitution (fragments, READMEs) are skipped.
    """
    candidates = sorted(n for n in names if Path(n).suffix.lower() in CONSTITUTION_SUFFIXES)
    parsed: dict[str, Constitution] = {}
    for name in candidates:
        try:
            parsed[name] = parse_constitution(read(name), source=name)
        except ConstitutionError:
            continue
    referenced = {
        Path(ref).as_posix()
        for doc in parsed.values()
        for ref in (*doc.include, *([doc.extends] if doc.extends else []))
    }
    roots = [n for n in parsed if n not in referenced]
    if len(roots) == 1:
        return roots[0]
    found = ", ".join(roots) if roots else "none"
    raise RevisionError(
        f"{directory}: expected one constitution file in the directory (not included or "
        f"extended by another), found {found}; name the file instead"
    )


def _directory_file(directory: Path) -> Path:
    names = [p.name for p in directory.iterdir() if p.is_file()]
    name = root_file(str(directory), names, lambda n: (directory / n).read_text(encoding="utf-8"))
    return directory / name


def _git_directory_file(rev: str, top: Path, rel: Path) -> Path | None:
    """``rel`` joined with its root file when ``rel`` is a directory at ``rev``, else None."""
    spec = f"{rev}:{rel.as_posix()}" if rel.as_posix() not in ("", ".") else f"{rev}:"
    if _git(["cat-file", "-t", spec], top).stdout.strip() != "tree":
        return None
    listing = _git(["ls-tree", "--name-only", spec], top).stdout.splitlines()

    def read(name: str) -> str:
        return _git(["show", f"{rev}:{(rel / name).as_posix()}"], top).stdout

    return rel / root_file(f"{rev}:{rel.as_posix()}", listing, read)


def _git_location(spec: str, rev: str, path: Path, default_path: Path | None) -> tuple[Path, Path]:
    """The repository and ``path`` relative to its top; ``rev`` must exist.

    The repository is the one holding ``path`` if it exists here, else the one holding
    ``default_path`` (the other side of a diff), else the one around the working directory.
    """
    anchor = path if path.exists() or default_path is None else default_path
    anchor = anchor if anchor.is_absolute() else Path.cwd() / anchor
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    top = _git_toplevel(anchor if anchor.is_dir() else anchor.parent)
    if top is None:
        raise RevisionError(f"{spec}: not a file, and not inside a git repository")
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top).returncode != 0:
        raise RevisionError(f"{spec}: no such file or git revision '{rev}'")
    if not (path.exists() or path.is_absolute()):
        return top, path  # as git reads it: relative to the repository's top
    try:
        return top, path.absolute().relative_to(top)
    except ValueError:
        raise RevisionError(f"{spec}: {path} is outside the git repository at {top}") from None


def load_revision(spec: str, *, default_path: Path | None = None) -> Constitution:
    """Load the constitution named by ``spec`` (a path, a directory or a git revision).

    For a bare revision such as ``HEAD~1``, ``default_path`` is the file (or directory)
    read at it.
    """
    split = split_revision(spec, default_path)
    if split is None:
        path = Path(spec)
        if path.is_dir():
            path = _directory_file(path)
        return load_constitution(path, reader=read_text)
    rev, path = split
    top, rel = _git_location(spec, rev, path, default_path)
    rel = _git_directory_file(rev, top, rel) or rel
    return load_constitution(rel, reader=partial(_git_reader, rev, top))


def read_revision_text(spec: str, *, default_path: Path | None = None) -> tuple[str, str]:
    """The raw text of the one file ``spec`` names (a path or a git revision), and its name.

    For files that are not constitutions yet, such as prose specs to import.
    """
    split = split_revision(spec, default_path)
    if split is None:
        return read_text(Path(spec)), spec
    rev, path = split
    top, rel = _git_location(spec, rev, path, default_path)
    return _git_reader(rev, top, rel), f"{rev}:{rel.as_posix()}"
