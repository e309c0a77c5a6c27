"""Errors and diagnostics of the ``constitution`` package.

Exception tree::

    ConstitutionError            base of every error this package raises
    └── ConstitutionLoadError    one or more diagnostics while loading (carries them all)

Every :class:`Diagnostic` names a file, a line and a column, like a compiler's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message about a place in a file: ``policy.yaml:42:5: error: ...``."""

    file: str
    line: int
    column: int
    severity: Severity
    message: str
    code: str = ""

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message}{code}"


class ConstitutionError(Exception):
    """Base of every error raised by the ``constitution`` package."""


class ConstitutionLoadError(ConstitutionError):
    """A constitution could not be loaded; ``diagnostics`` holds every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))
