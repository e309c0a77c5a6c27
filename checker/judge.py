"""The judge interface every backend implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from constitution.model import Constitution, Principle

from checker.transcript import Transcript
from checker.verdict import Verdict


@runtime_checkable
class Judge(Protocol):
    """Grades one transcript against one principle."""

    name: str
    """Backend name recorded in every verdict (``anthropic``, ``local``, ...)."""
    model: str
    """Model identifier recorded in every verdict and cache key."""
    prompt_version: str
    """Version of the prompt or method; part of the cache key."""

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict: ...
