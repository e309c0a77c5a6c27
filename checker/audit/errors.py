"""Errors of an audit (scenario files report through
:class:`constitution.errors.ConstitutionLoadError`, with file and line)."""

from __future__ import annotations

from checker.errors import CheckerError


class AuditError(CheckerError):
    """An audit cannot proceed as asked (unknown model provider, no such audit, ...)."""
