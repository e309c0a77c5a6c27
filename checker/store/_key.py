"""The judgment cache key, and the SQL that matches it (current and legacy form)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What makes two judgments the same: re-using one needs every field to match.

    ``server`` is the judging server's normalised base URL (``""`` for a judge that
    calls none); ``principle_hash`` the principle's judged content
    (``Principle.content_hash``); ``prompt_hash`` what the judge's prompt shows of
    the principle and the tier order (``checker.judges.llm.prompts.principle_prompt_hash``).
    """

    backend: str
    model: str
    server: str
    prompt_version: str
    principle_hash: str
    prompt_hash: str
    transcript_hash: str
    sample_index: int

    def as_tuple(self) -> tuple[str, str, str, str, str, str, str, int]:
        """The key's values in the order of :data:`KEY_COLUMNS`."""
        return (
            self.backend,
            self.model,
            self.server,
            self.prompt_version,
            self.principle_hash,
            self.prompt_hash,
            self.transcript_hash,
            self.sample_index,
        )

    def legacy_tuple(self) -> tuple[str, str, str, str, str, int]:
        """The values of the key before ``server`` and ``prompt_hash`` (store migration 2)."""
        return (
            self.backend,
            self.model,
            self.prompt_version,
            self.principle_hash,
            self.transcript_hash,
            self.sample_index,
        )


KEY_COLUMNS = (
    "backend, model, server, prompt_version, principle_hash, prompt_hash,"
    " transcript_hash, sample_index"
)
KEY_MATCH = (
    "backend = ? AND model = ? AND server = ? AND prompt_version = ? AND principle_hash = ?"
    " AND prompt_hash = ? AND transcript_hash = ? AND sample_index = ?"
)
LEGACY_MATCH = (
    "prompt_hash IS NULL AND backend = ? AND model = ? AND prompt_version = ?"
    " AND principle_hash = ? AND transcript_hash = ? AND sample_index = ?"
)
