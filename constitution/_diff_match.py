"""Pairing what was renamed: principles by content, sections by members or title."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher

from constitution.model import Principle, Section
from constitution.worddiff import jaccard, normalise_space, similarity, tokenize

RENAME_THRESHOLD = 0.6
"""Minimum similarity (difflib ratio over the words of title and statement) for a rename."""
_PREFILTER = 0.3
"""Minimum word-set Jaccard before the exact similarity is computed."""
SECTION_MEMBERS_THRESHOLD = 0.5
"""Minimum Jaccard of member principles for a section rename."""
SECTION_TITLE_THRESHOLD = 0.8
"""Minimum title similarity for a rename of sections that hold no principles."""


def _match_tokens(p: Principle) -> list[str]:
    return [t.lower() for t in tokenize(f"{p.title}\n{p.statement}")]


def match_renames(
    removed: Iterable[Principle], added: Iterable[Principle], threshold: float = RENAME_THRESHOLD
) -> dict[str, tuple[Principle, Principle, float]]:
    """Pair removed with added principles whose content is alike: ``{new_id: (old, new, ratio)}``.

    Similarity is difflib's ratio over the words of title and statement. Identical
    texts pair first by hash; the rest are compared only after a word-set Jaccard
    prefilter and difflib's cheap upper bounds, then taken greedily, most similar
    first, each principle used once.
    """
    olds = [(p, _match_tokens(p)) for p in removed]
    news = [(p, _match_tokens(p)) for p in added]
    out: dict[str, tuple[Principle, Principle, float]] = {}
    by_text: dict[tuple[str, ...], list[int]] = {}
    for j, (_, tokens) in enumerate(news):
        by_text.setdefault(tuple(tokens), []).append(j)
    used_old: set[int] = set()
    used_new: set[int] = set()
    for i, (old, tokens) in enumerate(olds):
        same = by_text.get(tuple(tokens))
        if same:
            j = same.pop(0)
            used_old.add(i)
            used_new.add(j)
            out[news[j][0].id] = (old, news[j][0], 1.0)
    candidates: list[tuple[float, int, int]] = []
    new_sets = [frozenset(tokens) for _, tokens in news]
    matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
    for i, (_, old_tokens) in enumerate(olds):
        if i in used_old:
            continue
        old_set = frozenset(old_tokens)
        matcher.set_seq2(old_tokens)
        for j, (_, new_tokens) in enumerate(news):
            if j in used_new or jaccard(old_set, new_sets[j]) < _PREFILTER:
                continue
            matcher.set_seq1(new_tokens)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            score = matcher.ratio()
            if score >= threshold:
                candidates.append((score, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    for score, i, j in candidates:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        out[news[j][0].id] = (olds[i][0], news[j][0], score)
    return out


def match_section_renames(
    removed: Iterable[Section],
    added: Iterable[Section],
    old_members: Mapping[str, frozenset[str]],
    new_members: Mapping[str, frozenset[str]],
) -> dict[str, Section]:
    """Pair removed with added sections: ``{old_id: new section}``.

    Sections that hold principles pair when most of their principles are the same
    (``old_members`` already mapped to new principle ids); empty ones when their
    titles are nearly the same. Greedy, most similar first, each section used once.
    """
    olds, news = list(removed), list(added)
    candidates: list[tuple[float, int, int]] = []
    for i, o in enumerate(olds):
        a = old_members.get(o.id, frozenset())
        for j, n in enumerate(news):
            b = new_members.get(n.id, frozenset())
            if a or b:
                score, threshold = jaccard(a, b), SECTION_MEMBERS_THRESHOLD
            else:
                score = similarity(normalise_space(o.title), normalise_space(n.title))
                threshold = SECTION_TITLE_THRESHOLD
            if score >= threshold:
                candidates.append((score, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    out: dict[str, Section] = {}
    for _, i, j in candidates:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        out[olds[i].id] = news[j]
    return out


__all__ = ["RENAME_THRESHOLD", "match_renames", "match_section_renames"]
