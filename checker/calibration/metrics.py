"""Agreement between human labels and a judge's outcomes: confusion matrix and scores.

Pure standard library. The classes are the three labels (``complies``,
``violates``, ``not_applicable``); the judge may also answer ``abstained`` or
``error``, which are counted in the matrix but left out of every score (neither
is right or wrong: an undecided pair is reported, never taken as a pass, a
violation or "not applicable").

Every score has one basis: the **decided** pairs, where the judge answered one of
the three labels. ``coverage`` (decided / every pair compared) stands beside
them: a judge that abstains on hard pairs scores well on the rest, and coverage
says how much of the set that is.

- ``coverage``: share of the pairs compared that the judge decided.
- ``accuracy``: share of decided pairs where the judge's outcome equals the label.
- ``precision``, ``recall``, ``f1``: with ``violates`` as the positive class
  (a violation the judge reports is a positive; ``complies`` and
  ``not_applicable`` are both negatives).
- ``kappa``: Cohen's kappa over the three classes,
  ``(p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed agreement and ``p_e`` the
  agreement expected by chance from each side's class frequencies.

A score whose denominator is zero is ``None`` (undefined), never 0 or 1 by fiat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

LABELS: tuple[str, ...] = ("complies", "violates", "not_applicable")
"""Human label classes (rows of the confusion matrix)."""
OUTCOMES: tuple[str, ...] = (*LABELS, "abstained", "error")
"""Judge outcome classes (columns): the labels plus ``abstained`` and ``error``."""
POSITIVE = "violates"


@dataclass(slots=True)
class ConfusionMatrix:
    """Counts of (human label, judge outcome) pairs; ``counts[label][outcome]``."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {label: dict.fromkeys(OUTCOMES, 0) for label in LABELS}
    )

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> ConfusionMatrix:
        """Count ``(label, outcome)`` pairs; unknown classes raise ValueError."""
        matrix = cls()
        for label, outcome in pairs:
            matrix.add(label, outcome)
        return matrix

    def add(self, label: str, outcome: str, times: int = 1) -> None:
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r}: expected one of {', '.join(LABELS)}")
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
        self.counts[label][outcome] += times

    def merged(self, other: ConfusionMatrix) -> ConfusionMatrix:
        """The cell-by-cell sum of two matrices."""
        total = ConfusionMatrix()
        for label in LABELS:
            for outcome in OUTCOMES:
                total.counts[label][outcome] = (
                    self.counts[label][outcome] + other.counts[label][outcome]
                )
        return total

    def applicable(self) -> ConfusionMatrix:
        """Only the pairs a human labelled ``complies`` or ``violates`` (the principle applies).

        Scores of this part say how well the judge grades compliance, leaving aside
        whether it recognises where a principle applies.
        """
        part = ConfusionMatrix()
        for label in ("complies", "violates"):
            part.counts[label] = dict(self.counts[label])
        return part

    def cell(self, label: str, outcome: str) -> int:
        return self.counts[label][outcome]

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.counts.values())

    @property
    def errors(self) -> int:
        return sum(row["error"] for row in self.counts.values())

    @property
    def abstained(self) -> int:
        return sum(row["abstained"] for row in self.counts.values())


@dataclass(frozen=True, slots=True)
class Metrics:
    """Scores of one confusion matrix (see the module docstring for definitions)."""

    pairs: int
    """Every labelled pair compared, abstentions and errors included."""
    scored: int
    """Pairs the judge decided (``pairs - abstained - errors``): the basis of every score."""
    errors: int
    agreed: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    accuracy: float | None
    precision: float | None
    recall: float | None
    f1: float | None
    kappa: float | None
    abstained: int = 0
    coverage: float | None = None
    """``scored / pairs``: the share of the pairs the scores speak for."""


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def compute_metrics(matrix: ConfusionMatrix) -> Metrics:
    """Coverage, and accuracy, precision, recall, F1 (positive = ``violates``) and
    Cohen's kappa on the decided pairs."""
    counts = matrix.counts
    scored = sum(counts[label][outcome] for label in LABELS for outcome in LABELS)
    agreed = sum(counts[label][label] for label in LABELS)
    tp = counts[POSITIVE][POSITIVE]
    fp = sum(counts[label][POSITIVE] for label in LABELS if label != POSITIVE)
    fn = sum(counts[POSITIVE][outcome] for outcome in LABELS if outcome != POSITIVE)
    tn = scored - tp - fp - fn
    return Metrics(
        pairs=matrix.total,
        scored=scored,
        errors=matrix.errors,
        agreed=agreed,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        true_negatives=tn,
        accuracy=_ratio(agreed, scored),
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, tp + fn),
        f1=_ratio(2 * tp, 2 * tp + fp + fn),
        kappa=cohen_kappa(counts),
        abstained=matrix.abstained,
        coverage=_ratio(scored, matrix.total),
    )


def cohen_kappa(counts: Mapping[str, Mapping[str, int]]) -> float | None:
    """Cohen's kappa of the label x outcome table over :data:`LABELS` (undecided ignored).

    ``None`` when chance agreement is 1 (both sides used one and the same class
    throughout) or nothing was scored: kappa is undefined there.
    """
    n = sum(counts[label][outcome] for label in LABELS for outcome in LABELS)
    if n == 0:
        return None
    observed = sum(counts[label][label] for label in LABELS) / n
    expected = 0.0
    for k in LABELS:
        row = sum(counts[k][outcome] for outcome in LABELS)
        column = sum(counts[label][k] for label in LABELS)
        expected += (row / n) * (column / n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)
