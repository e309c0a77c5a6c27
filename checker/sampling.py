"""Trying a large transcript set cheaply: its first N transcripts, or N drawn at random.

:func:`sample_transcripts` reads the whole stream once, holding only ``n`` items
(reservoir sampling), and returns them in their original order; the same ``seed``
draws the same transcripts from the same input.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Sample(Generic[T]):
    items: list[T]
    total: int
    """How many items the input held."""


def first_transcripts(items: Iterable[T], n: int) -> list[T]:
    """The first ``n`` items (the rest are not read)."""
    return list(islice(items, n))


def sample_transcripts(items: Iterable[T], n: int, seed: int) -> Sample[T]:
    """``n`` items drawn uniformly at random with ``seed``, in input order."""
    if n < 1:
        raise ValueError("a sample needs at least one item")
    rng = random.Random(seed)
    kept: list[tuple[int, T]] = []
    total = 0
    for index, item in enumerate(items):
        total += 1
        if len(kept) < n:
            kept.append((index, item))
            continue
        slot = rng.randrange(index + 1)
        if slot < n:
            kept[slot] = (index, item)
    kept.sort(key=lambda pair: pair[0])
    return Sample([item for _, item in kept], total)


__all__ = ["Sample", "first_transcripts", "sample_transcripts"]
