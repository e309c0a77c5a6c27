"""Constitutions at other revisions: a file path, or a git revision read through ``git show``.

Specs look like ``HEAD`` (the given file at HEAD), ``HEAD~1``, ``v1.2:policies/assistant.yaml``
or a plain path. This module runs ``git``; it never writes anything.
"""

from __future__ import annotations

import subprocess
from functools import partial
from pathlib import Path

from constitution.errors import ConstitutionError, ConstitutionLoadError, Diagnostic, Severity
from constitution.load import load_constitution, read_text
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


def load_revision(spec: str, *, default_path: Path | None = None) -> Constitution:
    """Load the constitution named by ``spec`` (a path or a git revision).

    For a bare revision such as ``HEAD~1``, ``default_path`` is the file read at it.
    """
    split = split_revision(spec, default_path)
    if split is None:
        return load_constitution(Path(spec), reader=read_text)
    rev, path = split
    cwd = (default_path.parent if default_path is not None else Path.cwd()).absolute()
    top = _git_toplevel(cwd if cwd.exists() else Path.cwd())
    if top is None:
        raise RevisionError(f"{spec}: not a file, and not inside a git repository")
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top).returncode != 0:
        raise RevisionError(f"{spec}: no such file or git revision '{rev}'")
    rel = path.absolute().relative_to(top) if path.exists() or path.is_absolute() else path
    return load_constitution(rel, reader=partial(_git_reader, rev, top))
