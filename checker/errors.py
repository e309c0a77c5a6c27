"""Errors of the ``checker`` package.

Exception tree::

    CheckerError               base of every error this package raises
    ├── TranscriptError        a file is not a transcript (names file:line)
    └── JudgeConfigError       a judge cannot be set up (missing key, bad model, ...)
"""

from __future__ import annotations


class CheckerError(Exception):
    """Base of every error raised by the ``checker`` package."""


class TranscriptError(CheckerError):
    """Input that is not a transcript: ``file:line: not a transcript: expected ...``."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


class JudgeConfigError(CheckerError):
    """A judge cannot be set up as asked."""
