"""Choosing a fitted principle's abstention band by cross-validation on its own labels.

A fitted judge reports a violation when P(violates) reaches the band's top, no violation
when it is under the band's bottom, and abstains in between. How well P(violates) is
calibrated differs from principle to principle, so the band is chosen per principle on
predictions for labelled pairs the factors were *not* fitted on (grouped k-fold inside
the training labels: the answers to one request stay in one fold), never on the pairs
it will later judge.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from checker.judges.local._factors import DECIDE_AT, NO_VIOLATION_BELOW, combine, decide

Band = tuple[float, float]

DEFAULT_BAND: Band = (NO_VIOLATION_BELOW, DECIDE_AT)
"""The band used when the labels are too few to choose one."""

MIN_COVERAGE = 0.8
"""A chosen band must let the judge decide at least this share of the held-out pairs."""

INNER_FOLDS = 3
"""Folds of the cross-validation inside the training labels."""

MIN_ROWS, MIN_VIOLATIONS = 60, 10
"""Fewer labelled pairs (or violations) than this keep :data:`DEFAULT_BAND`."""

LOWS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
HIGHS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)

Predicted = tuple[float, float | None, str]
"""P(applies), P(violating stance) (None: unknown), and the pair's label."""


def grouped_folds(groups: Sequence[str], folds: int = INNER_FOLDS) -> list[int]:
    """A fold per row; rows of one group share a fold (groups dealt in first-seen order)."""
    order: dict[str, int] = {}
    for group in groups:
        order.setdefault(group, len(order) % folds)
    return [order[group] for group in groups]


def f1_and_coverage(predicted: Sequence[Predicted], band: Band) -> tuple[float, float]:
    """F1 of ``violates`` on the pairs decided with ``band``, and the share decided."""
    tp = fp = fn = decided = 0
    for applies, violating, label in predicted:
        outcome = decide(
            combine(applies, violating), no_violation_below=band[0], violates_at=band[1]
        ).outcome
        if outcome == "abstained":
            continue
        decided += 1
        tp += outcome == "violates" and label == "violates"
        fp += outcome == "violates" and label != "violates"
        fn += outcome != "violates" and label == "violates"
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return f1, decided / len(predicted) if predicted else 0.0


def choose_band(predicted: Sequence[Predicted]) -> Band:
    """The band with the best F1 of ``violates`` among those deciding at least
    :data:`MIN_COVERAGE` of the held-out pairs (ties: the wider coverage)."""
    if len(predicted) < MIN_ROWS or sum(p[2] == "violates" for p in predicted) < MIN_VIOLATIONS:
        return DEFAULT_BAND
    best, best_key = DEFAULT_BAND, (-1.0, 0.0)
    for low, high in itertools.product(LOWS, HIGHS):
        if low >= high:
            continue
        f1, coverage = f1_and_coverage(predicted, (low, high))
        if coverage >= MIN_COVERAGE and (f1, coverage) > best_key:
            best, best_key = (low, high), (f1, coverage)
    return best


def held_out_predictions(
    groups: Sequence[str],
    labels: Sequence[str],
    fit_and_predict: Callable[[list[int], list[int]], list[tuple[float, float | None]]],
) -> list[Predicted]:
    """Predictions for every row from factors fitted without its fold.

    ``fit_and_predict(train, test)`` fits on the rows ``train`` and returns (P(applies),
    P(violating stance)) for the rows ``test``.
    """
    fold_of = grouped_folds(groups)
    out: list[Predicted] = []
    for fold in range(INNER_FOLDS):
        train = [i for i, f in enumerate(fold_of) if f != fold]
        test = [i for i, f in enumerate(fold_of) if f == fold]
        if not test or not train:
            continue
        for i, (applies, violating) in zip(test, fit_and_predict(train, test), strict=True):
            out.append((applies, violating, labels[i]))
    return out
