"""Constitutions as files: load, lint, diff and write ranked principles.

The public API (see ``docs/API.md``)::

    import constitution

    doc = constitution.load_constitution("policy.yaml")       # resolved: includes, extends
    old = constitution.load_revision("HEAD~1:policy.yaml")     # a file at a git revision
    changes = constitution.diff_constitutions(old, doc)        # what changed, per principle
    warnings = constitution.lint_constitution(doc)

Names are imported on first use, so ``import constitution`` costs next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from constitution.diff import ConstitutionDiff, diff_constitutions
    from constitution.errors import ConstitutionError, ConstitutionLoadError, Diagnostic
    from constitution.lint import lint_constitution
    from constitution.load import load_constitution, load_file, parse_constitution
    from constitution.model import Constitution, Principle, Section, Tier
    from constitution.revisions import load_revision

_HOME = {
    "Constitution": "constitution.model",
    "ConstitutionDiff": "constitution.diff",
    "ConstitutionError": "constitution.errors",
    "ConstitutionLoadError": "constitution.errors",
    "Diagnostic": "constitution.errors",
    "Principle": "constitution.model",
    "Section": "constitution.model",
    "Tier": "constitution.model",
    "diff_constitutions": "constitution.diff",
    "lint_constitution": "constitution.lint",
    "load_constitution": "constitution.load",
    "load_file": "constitution.load",
    "load_revision": "constitution.revisions",
    "parse_constitution": "constitution.load",
}
"""Each public name and the module it lives in (imported when the name is first used)."""

__all__ = [
    "Constitution",
    "ConstitutionDiff",
    "ConstitutionError",
    "ConstitutionLoadError",
    "Diagnostic",
    "Principle",
    "Section",
    "Tier",
    "diff_constitutions",
    "lint_constitution",
    "load_constitution",
    "load_file",
    "load_revision",
    "parse_constitution",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'constitution' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
