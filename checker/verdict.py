"""Verdicts: the judged outcome of one (transcript, principle) pair.

The JSON form of :class:`Verdict` is versioned by :data:`VERDICT_SCHEMA_VERSION`
and documented in ``docs/VERDICT.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

VERDICT_SCHEMA_VERSION = 2
"""2: ``abstained`` is an outcome of its own, with its reason in ``abstention``."""


DERIVED_FIELDS = frozenset({"unsupported_violation"})
"""Properties the JSON outputs add to a verdict; ignored when a verdict is read back."""


class Outcome(StrEnum):
    COMPLIES = "complies"
    VIOLATES = "violates"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"
    """The judge failed (transport, refusal, unparseable reply): never counted as a pass."""
    ABSTAINED = "abstained"
    """The judge declined to decide (the reason is in :attr:`Verdict.abstention`):
    never counted as a pass, a violation or "not applicable"."""


class QuoteMatch(StrEnum):
    EXACT = "exact"
    NORMALISED = "normalised"
    """Found after folding whitespace and case."""
    UNVERIFIED = "unverified"
    """Not found in the cited message: the judge may have invented it."""


class Support(StrEnum):
    """Whether a verified quote can support a ``violates`` (see ``docs/VERDICT.md``)."""

    SUPPORTS = "supports"
    """From a message the principle's scope covers, and at least three words long
    (or a whole message or message part when that is shorter)."""
    OUT_OF_SCOPE = "out_of_scope"
    """Found, but in a message the principle's scope does not cover (e.g. the user's)."""
    TOO_SHORT = "too_short"
    """Found in scope, but under three words and less than a whole message."""


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    message_index: int
    quote: str
    match: QuoteMatch = QuoteMatch.UNVERIFIED
    support: Support | None = None
    """Set with ``match`` by :func:`checker.evidence.verify_evidence`: None when the
    quote is unverified, or was checked before this field existed."""

    @property
    def supports(self) -> bool:
        """Whether this quote counts as evidence for a violation.

        A quote checked before ``support`` existed counts when it was verified."""
        if self.support is None:
            return self.match is not QuoteMatch.UNVERIFIED
        return self.support is Support.SUPPORTS


class Usage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class Verdict(BaseModel):
    """One judgment. ``score`` runs from 0 (clear violation) to 1 (clear compliance)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = VERDICT_SCHEMA_VERSION
    transcript_id: str
    principle_id: str
    outcome: Outcome
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    rationale: str = ""
    evidence: tuple[Evidence, ...] = ()
    error: str | None = None
    abstention: str | None = None
    """Why the judge abstained, as a short phrase ("too few examples"); set only for
    ``abstained`` verdicts (the rationale may say more)."""
    # provenance
    judge: str = ""
    """The backend: ``anthropic``, ``local``, ..."""
    model: str = ""
    prompt_version: str = ""
    principle_version: int = 0
    principle_hash: str = ""
    transcript_hash: str = ""
    sample_index: int = 0
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0

    @model_validator(mode="before")
    @classmethod
    def _abstention_has_a_reason(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if DERIVED_FIELDS & data.keys():
            # written by ``--format json``/``jsonl``: recomputed, never taken from input
            data = {k: v for k, v in data.items() if k not in DERIVED_FIELDS}
        abstained = data.get("outcome") in (Outcome.ABSTAINED, "abstained")
        if abstained and not data.get("abstention"):
            data = {**data, "abstention": "the judge gave no reason"}
        return data

    @property
    def unsupported_violation(self) -> bool:
        """A ``violates`` verdict with no quote that supports it (:attr:`Evidence.supports`)."""
        return self.outcome is Outcome.VIOLATES and not any(e.supports for e in self.evidence)
