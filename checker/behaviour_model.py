"""The behaviour diff's data: per-principle flips, counts, noise and the whole diff.

The JSON form of :class:`BehaviourDiff` is versioned by :data:`BEHAVIOUR_SCHEMA_VERSION`
and documented in ``docs/DIFF.md``; :mod:`checker.behaviour_diff` computes it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from checker.verdict import Outcome

BEHAVIOUR_SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DiffMode(StrEnum):
    REVISIONS = "revisions"
    TRANSCRIPT_SETS = "transcript_sets"
    RUNS = "runs"
    """Two stored runs compared as they are (``constitution view``): nothing graded."""


class PrincipleStatus(StrEnum):
    CHANGED = "changed"
    """Present on both sides with a different content hash: graded again."""
    UNCHANGED = "unchanged"
    ADDED = "added"
    REMOVED = "removed"


class Flip(_Frozen):
    """One pair whose outcome flipped between complies and violates."""

    before_transcript: str
    after_transcript: str
    before: Outcome
    after: Outcome
    before_rationale: str = ""
    after_rationale: str = ""
    before_score: float | None = None
    after_score: float | None = None
    before_excerpt: str = ""
    """The start of the before transcript's last assistant message (for reviewers)."""
    after_excerpt: str = ""


class Counts(_Frozen):
    complies: int = 0
    violates: int = 0
    not_applicable: int = 0
    errors: int = 0
    abstained: int = 0

    @property
    def violation_rate(self) -> float | None:
        graded = self.complies + self.violates
        return self.violates / graded if graded else None


class Noise(_Frozen):
    """The judge's flip rate when it grades the same pair again, principle unchanged."""

    regradings: int
    """Re-gradings compared with the first grading (complies/violates on both)."""
    disagreements: int

    @property
    def rate(self) -> float | None:
        """None when no re-grading could be compared (e.g. every pair not applicable)."""
        return self.disagreements / self.regradings if self.regradings else None


class PrincipleBehaviour(_Frozen):
    principle_id: str
    """The id on the after side (the before side's for a removed principle)."""
    old_id: str | None = None
    """The before side's id when it differs (a rename)."""
    status: PrincipleStatus
    before: Counts | None = None
    after: Counts | None = None
    before_violation_rate: float | None = None
    after_violation_rate: float | None = None
    paired: int = 0
    """Pairs graded complies or violates on both sides (the McNemar sample)."""
    to_violates: int = 0
    to_complies: int = 0
    outcome_changes: int = 0
    """Pairs whose outcome changed in any way (flips, and to or from not_applicable/error)."""
    flips: tuple[Flip, ...] = ()
    abstained_pairs: int = 0
    """Pairs left out of the comparison because the judge abstained on either side."""
    abstentions: tuple[str, ...] = ()
    """The judge's reasons for those abstentions (distinct, first seen first)."""
    p_value: float | None = None
    """Two-sided exact McNemar p-value (Fisher's exact test for unpaired sets)."""
    noise: Noise | None = None
    noise_p_value: float | None = None
    """P(at least this many flips) if every pair flipped at the noise rate."""
    beyond_noise: bool | None = None
    """Significant (p < 0.05) and more flips than noise alone explains (p < 0.05)."""


class Side(_Frozen):
    label: str
    constitution_id: str
    constitution_version: str
    transcripts: int
    run_id: int
    calls: int
    cache_hits: int


class BehaviourDiff(_Frozen):
    schema_version: int = BEHAVIOUR_SCHEMA_VERSION
    mode: DiffMode
    judge: str
    model: str
    prompt_version: str
    before: Side
    after: Side
    noise_samples: int = 0
    noise_calls: int = 0
    principles: tuple[PrincipleBehaviour, ...] = ()

    @property
    def calls(self) -> int:
        return self.before.calls + self.after.calls + self.noise_calls

    @property
    def flips(self) -> int:
        return sum(len(p.flips) for p in self.principles)

    @property
    def abstained_pairs(self) -> int:
        """Pairs left out of every comparison because the judge abstained."""
        return sum(p.abstained_pairs for p in self.principles)
