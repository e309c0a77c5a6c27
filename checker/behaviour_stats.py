"""Exact tests for behaviour diffs (standard library ``math`` only).

- :func:`mcnemar_exact`: paired outcomes graded twice (same transcripts under two
  revisions, or two matched transcript sets): are flips one way more common than
  flips back? Two-sided exact binomial test on the discordant pairs.
- :func:`binomial_upper_tail`: is the number of flips larger than the judge's own
  noise rate would give by chance?
- :func:`fisher_exact`: two unpaired groups (violation counts in set A and set B).
"""

from __future__ import annotations

from math import comb


def _binom_pmf(k: int, n: int, p: float) -> float:
    return comb(n, k) * p**k * (1.0 - p) ** (n - k)


def mcnemar_exact(to_violates: int, to_complies: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` flips one way and ``c`` the other.

    ``p = min(1, 2 * P(X <= min(b, c)))`` with ``X ~ Binomial(b + c, 1/2)``; 1.0 when
    there are no discordant pairs.
    """
    if to_violates < 0 or to_complies < 0:
        raise ValueError("flip counts cannot be negative")
    n = to_violates + to_complies
    if n == 0:
        return 1.0
    k = min(to_violates, to_complies)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2.0 * tail)


def binomial_upper_tail(successes: int, trials: int, rate: float) -> float:
    """``P(X >= successes)`` for ``X ~ Binomial(trials, rate)``."""
    if successes <= 0:
        return 1.0
    if successes > trials:
        return 0.0
    if rate <= 0.0:
        return 0.0
    if rate >= 1.0:
        return 1.0
    below = sum(_binom_pmf(i, trials, rate) for i in range(successes))
    return max(0.0, min(1.0, 1.0 - below))


def fisher_exact(a_hits: int, a_total: int, b_hits: int, b_total: int) -> float:
    """Two-sided Fisher exact p-value for ``a_hits/a_total`` against ``b_hits/b_total``.

    Sums the hypergeometric probabilities of every table (with the same margins)
    no more likely than the observed one.
    """
    hits = a_hits + b_hits
    total = a_total + b_total
    if total == 0 or hits in (0, total):
        return 1.0
    denominator = comb(total, hits)

    def prob(x: int) -> float:
        return comb(a_total, x) * comb(b_total, hits - x) / denominator

    observed = prob(a_hits)
    low, high = max(0, hits - b_total), min(a_total, hits)
    p = sum(q for x in range(low, high + 1) if (q := prob(x)) <= observed * (1 + 1e-9))
    return min(1.0, p)


__all__ = ["binomial_upper_tail", "fisher_exact", "mcnemar_exact"]
