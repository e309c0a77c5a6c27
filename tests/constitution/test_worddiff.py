"""Word diffs: both sides rebuild from the spans, whitespace is not significant."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from constitution.worddiff import (
    SpanOp,
    condense,
    jaccard,
    normalise_space,
    side,
    token_set,
    word_diff,
)

_text = st.text(alphabet=st.sampled_from(list("ab c,.'\n\t-é")), max_size=40)


@given(_text, _text)
def test_sides_rebuild_both_texts(old: str, new: str) -> None:
    spans = word_diff(old, new)
    assert side(spans, SpanOp.DELETE) == normalise_space(old)
    assert side(spans, SpanOp.INSERT) == normalise_space(new)


def test_whitespace_only_change_is_all_equal() -> None:
    spans = word_diff("one  two\nthree", " one two three ")
    assert [s.op for s in spans] == [SpanOp.EQUAL]


def test_punctuation_and_apostrophes_are_units() -> None:
    spans = word_diff("the student's grade.", "the student's grade, or age.")
    assert [(s.op.value, s.text) for s in spans] == [
        ("equal", "the student's grade"),
        ("insert", ", or age"),
        ("equal", "."),
    ]


def test_token_sets_and_jaccard() -> None:
    assert token_set("The cat, the HAT.") == frozenset({"the", "cat", "hat"})
    assert jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == 1 / 3
    assert jaccard(frozenset(), frozenset()) == 1.0


def test_condense_cuts_long_unchanged_runs() -> None:
    old = " ".join(f"w{i}" for i in range(40))
    new = old.replace("w20", "changed")
    spans = condense(word_diff(old, new), context=3)
    assert [(s.op.value, s.text) for s in spans] == [
        ("equal", "… w18 w19 "),
        ("delete", "w20"),
        ("insert", "changed"),
        ("equal", " w21 w22 …"),
    ]
