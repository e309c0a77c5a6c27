"""Word-level diffs of prose, and a cheap similarity for matching renamed principles.

Whitespace is not significant: a statement re-wrapped across lines, or read from
Markdown instead of YAML, compares equal. Words and punctuation are the units.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

_TOKEN_RE = re.compile(r"\w+(?:['\u2019]\w+)*|[^\w\s]")
_PIECE_RE = re.compile(r"\w+(?:['\u2019]\w+)*|(\s+)|[^\w\s]")


class SpanOp(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


class WordSpan(BaseModel):
    """A run of words that is unchanged, inserted or deleted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: SpanOp
    text: str


def normalise_space(text: str | None) -> str:
    """``text`` with runs of whitespace folded to one space and the ends stripped."""
    return " ".join(text.split()) if text else ""


def tokenize(text: str | None) -> list[str]:
    """Words (with inner apostrophes) and single punctuation marks."""
    return _TOKEN_RE.findall(text or "")


def _pieces(text: str | None) -> list[str]:
    """Words, punctuation marks and single spaces (each whitespace run folds to one)."""
    return [m.group(0) if m.group(1) is None else " " for m in _PIECE_RE.finditer(text or "")]


def word_diff(old: str | None, new: str | None) -> tuple[WordSpan, ...]:
    """The word-level edit script turning ``old`` into ``new`` (whitespace ignored).

    Joining the ``equal`` and ``delete`` spans gives ``old`` and the ``equal`` and
    ``insert`` spans give ``new``, with whitespace folded to single spaces.
    """
    a, b = _pieces(normalise_space(old)), _pieces(normalise_space(new))
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    chunks = [
        (tag == "equal", "".join(a[i1:i2]), "".join(b[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    # A lone space kept between two changes would interleave them word by word
    # ("[-The-]{+A+} [-answer-]{+reply+}"): fold it into one change instead.
    merged: list[tuple[bool, str, str]] = []
    for i, (equal, at, bt) in enumerate(chunks):
        between = 0 < i < len(chunks) - 1 and not chunks[i - 1][0] and not chunks[i + 1][0]
        if equal and not at.strip() and between:
            equal = False
        if merged and not equal and not merged[-1][0]:
            merged[-1] = (False, merged[-1][1] + at, merged[-1][2] + bt)
        else:
            merged.append((equal, at, bt))
    spans: list[WordSpan] = []
    for equal, at, bt in merged:
        if equal:
            spans.append(WordSpan(op=SpanOp.EQUAL, text=at))
            continue
        if at:
            spans.append(WordSpan(op=SpanOp.DELETE, text=at))
        if bt:
            spans.append(WordSpan(op=SpanOp.INSERT, text=bt))
    return tuple(spans)


def side(spans: tuple[WordSpan, ...], which: SpanOp) -> str:
    """The old text (``which=DELETE``) or the new one (``INSERT``) rebuilt from spans."""
    return "".join(s.text for s in spans if s.op in (SpanOp.EQUAL, which))


def condense(spans: tuple[WordSpan, ...], context: int = 8) -> tuple[WordSpan, ...]:
    """``spans`` with long unchanged runs cut to ``context`` words around each change.

    For display only (``…`` marks a cut); the full spans stay in the diff itself.
    """
    out: list[WordSpan] = []
    last = len(spans) - 1
    for i, span in enumerate(spans):
        words = span.text.split(" ")
        if span.op is not SpanOp.EQUAL or len(words) <= 2 * context + 1:
            out.append(span)
            continue
        head = " ".join(words[:context])
        tail = " ".join(words[-context:])
        if i == 0:
            text = "… " + tail
        elif i == last:
            text = head + " …"
        else:
            text = f"{head} … {tail}"
        out.append(WordSpan(op=SpanOp.EQUAL, text=text))
    return tuple(out)


def token_set(text: str) -> frozenset[str]:
    """Lower-cased word set: the cheap prefilter before an exact similarity."""
    return frozenset(t.lower() for t in tokenize(text) if t[0].isalnum())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a & b| / |a | b| (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def similarity(old: str, new: str) -> float:
    """difflib's ratio over the whitespace-normalised texts (0..1)."""
    return SequenceMatcher(None, normalise_space(old), normalise_space(new), autojunk=False).ratio()


__all__ = [
    "SpanOp",
    "WordSpan",
    "condense",
    "jaccard",
    "normalise_space",
    "side",
    "similarity",
    "token_set",
    "tokenize",
    "word_diff",
]
