from __future__ import annotations

from collections import Counter

import pytest

from checker.sampling import first_transcripts, sample_transcripts


def test_first_reads_only_what_it_keeps() -> None:
    read: list[int] = []

    def numbers() -> object:
        for i in range(100):
            read.append(i)
            yield i

    assert first_transcripts(numbers(), 3) == [0, 1, 2]  # type: ignore[arg-type]
    assert len(read) <= 4


def test_sample_is_seeded_ordered_and_counts_the_input() -> None:
    one = sample_transcripts(range(1000), 10, seed=7)
    assert one.total == 1000
    assert one.items == sorted(one.items) and len(set(one.items)) == 10
    assert sample_transcripts(range(1000), 10, seed=7) == one
    assert sample_transcripts(range(1000), 10, seed=8) != one


def test_a_sample_larger_than_the_input_is_the_input() -> None:
    assert sample_transcripts(range(5), 10, seed=0).items == [0, 1, 2, 3, 4]


def test_sampling_is_roughly_uniform() -> None:
    counts: Counter[int] = Counter()
    for seed in range(2000):
        counts.update(sample_transcripts(range(10), 3, seed=seed).items)
    assert min(counts.values()) > 500 and max(counts.values()) < 700  # 600 expected


def test_an_empty_sample_is_refused() -> None:
    with pytest.raises(ValueError):
        sample_transcripts(range(3), 0, seed=0)
