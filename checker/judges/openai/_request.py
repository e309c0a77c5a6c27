"""Request parameters some servers refuse, and the prompt-cache arithmetic of estimates."""

from __future__ import annotations

import re
from typing import Any

CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128
"""OpenAI caches prompt prefixes of 1,024 tokens or more, in steps of 128 tokens."""

_TEMPERATURE = re.compile(r"temperature", re.IGNORECASE)
_MAX_TOKENS = re.compile(r"max_tokens", re.IGNORECASE)


def cached_prefix_tokens(prefix: int) -> int:
    """The part of a shared prefix of ``prefix`` tokens a server caching as OpenAI does reads."""
    if prefix < CACHE_MIN_TOKENS:
        return 0
    return CACHE_MIN_TOKENS + (prefix - CACHE_MIN_TOKENS) // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS


class ParameterFallbacks:
    """``temperature`` and the output cap, as the server accepts them.

    Grading wants temperature 0; reasoning models refuse any but their default, and
    they want ``max_completion_tokens`` instead of ``max_tokens``. A 400 that names
    the parameter drops or renames it for the rest of the run.
    """

    def __init__(self, temperature: float | None, max_tokens: int) -> None:
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.cap_field = "max_tokens"
        self.dropped: list[str] = []

    def fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.cap_field: self.max_tokens}
        if self.temperature is not None:
            out["temperature"] = self.temperature
        return out

    def adjust(self, message: str, sent: dict[str, Any]) -> bool:
        """Mend the parameter a 400 about the request ``sent`` complains of; True when the
        request should go again (mended now, or by another request in the meantime)."""
        if "temperature" in sent and _TEMPERATURE.search(message):
            if self.temperature is not None:
                self.temperature = None
                self.dropped.append("temperature")
            return True
        if "max_tokens" in sent and _MAX_TOKENS.search(message):
            if self.cap_field == "max_tokens":
                self.cap_field = "max_completion_tokens"
                self.dropped.append("max_tokens")
            return True
        return False
