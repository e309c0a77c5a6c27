"""Locate evidence quotes in a piece of transcript text and cut it into marked segments.

Matching happens on plain text; the template escapes every segment afterwards, so
no transcript content is ever treated as markup. A quote is looked for verbatim
first, then the way :func:`checker.evidence.match_quote` accepts it (folded case,
typographic punctuation and whitespace; fragments elided with ``...`` in order),
and the found span is mapped back onto the original characters.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from checker.evidence import normalise

# Mirrors checker.evidence: the same elisions and surrounding quotes are accepted there.
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\])\s*")
_SURROUNDING_QUOTES = "\"'\u201c\u201d\u2018\u2019`"

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Mark:
    """One evidence quote's highlight: which principle cited it and where its card is."""

    principle_id: str
    outcome: str
    anchor: str
    """The id of this quote's first highlighted segment."""
    card: str
    """The id of the verdict card that cites the quote."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text covered by the same set of marks (none: plain text)."""

    text: str
    marks: tuple[Mark, ...] = ()
    starts: tuple[str, ...] = ()
    """Anchors of the marks that begin at this segment."""

    @property
    def principles(self) -> str:
        return " ".join(dict.fromkeys(m.principle_id for m in self.marks))

    @property
    def outcome(self) -> str:
        """``violates`` when any covering mark is from a violation, else the first outcome."""
        outcomes = [m.outcome for m in self.marks]
        return "violates" if "violates" in outcomes else (outcomes[0] if outcomes else "")

    @property
    def cards(self) -> str:
        return " ".join(dict.fromkeys(m.card for m in self.marks))


def _clusters(text: str) -> list[Span]:
    """Base characters with their combining marks, so NFKC composes them as a whole does."""
    spans: list[Span] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            spans.append((start, i))
            start = i
    return spans


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` (modulo a trailing space) and, per output char, its source index."""
    out: list[str] = []
    origin: list[int] = []
    for start, end in _clusters(text):
        cluster = text[start:end]
        if cluster.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(start)
            continue
        for char in normalise(cluster):
            out.append(char)
            origin.append(start)
    return "".join(out), origin


def find_quote(text: str, quote: str) -> list[Span]:
    """The spans of ``text`` that ``quote`` covers (several when elided), or none."""
    if not quote.strip():
        return []
    found = text.find(quote)
    if found >= 0:
        return [(found, found + len(quote))]
    needle = normalise(quote.strip().strip(_SURROUNDING_QUOTES))
    if not needle:
        return []
    folded, origin = _normalised_with_map(text)
    fragments = [needle]
    if folded.find(needle) < 0:
        fragments = [f for f in _ELLIPSIS.split(needle) if f]
    spans: list[Span] = []
    cursor = 0
    for fragment in fragments:
        at = folded.find(fragment, cursor)
        if at < 0:
            return []
        last = at + len(fragment) - 1
        end = _cluster_end(text, origin[last])
        spans.append((origin[at], end))
        cursor = at + len(fragment)
    return spans


def _cluster_end(text: str, index: int) -> int:
    end = index + 1
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


def segment(text: str, marked: Sequence[tuple[Span, Mark]]) -> list[Segment]:
    """Cut ``text`` at every span boundary; each piece carries the marks covering it."""
    if not marked:
        return [Segment(text)] if text else []
    cuts = {0, len(text)}
    for (start, end), _ in marked:
        cuts.update((start, end))
    bounds = sorted(c for c in cuts if 0 <= c <= len(text))
    first_span: dict[str, int] = {}
    for (start, _), mark in marked:
        first_span[mark.anchor] = min(first_span.get(mark.anchor, start), start)
    pieces: list[Segment] = []
    for start, end in itertools.pairwise(bounds):
        if start == end:
            continue
        covering = tuple(m for (s, e), m in marked if s <= start and end <= e)
        starts = tuple(a for a, s in first_span.items() if s == start)
        pieces.append(Segment(text[start:end], covering, starts))
    return pieces


__all__ = ["Mark", "Segment", "find_quote", "segment"]
