"""Locating evidence quotes in transcript text and cutting it into marked segments."""

from __future__ import annotations

from checker.output.html._highlight import Mark, Segment, find_quote, segment


def test_exact_quote() -> None:
    assert find_quote("abc <b>x</b> def", "<b>x</b>") == [(4, 12)]


def test_normalised_quote_maps_back_to_the_original_characters() -> None:
    text = "Well,\n  I CAN\u2019T   help."
    spans = find_quote(text, "i can't help")
    assert [text[s:e] for s, e in spans] == ["I CAN\u2019T   help"]


def test_surrounding_quotes_and_outer_space_are_ignored() -> None:
    text = "He said go home now."
    assert [text[s:e] for s, e in find_quote(text, ' "Go  home" ')] == ["go home"]


def test_elided_quote_marks_each_fragment() -> None:
    text = "First do this. Then a lot of detail. Finally do that."
    spans = find_quote(text, "first do this ... finally do that")
    assert [text[s:e] for s, e in spans] == ["First do this", "Finally do that"]


def test_fragments_must_be_in_order() -> None:
    assert find_quote("b then a", "a ... b") == []


def test_combining_marks_match_their_composed_form() -> None:
    text = "cafe\u0301 ouvert"
    spans = find_quote(text, "café")
    assert [text[s:e] for s, e in spans] == ["cafe\u0301"]


def test_compatibility_forms() -> None:
    text = "\uff28\uff45\uff4c\uff4c\uff4f world"  # full-width "Hello"
    assert [text[s:e] for s, e in find_quote(text, "hello world")] == [text]


def test_absent_or_blank_quote() -> None:
    assert find_quote("some text", "other text") == []
    assert find_quote("some text", "  ") == []
    assert find_quote("some text", '""') == []


def _mark(pid: str, anchor: str) -> Mark:
    return Mark(principle_id=pid, outcome="violates", anchor=anchor, card=f"card-{pid}")


def test_overlapping_marks_split_into_segments() -> None:
    a, b = _mark("p.a", "e0"), _mark("p.b", "e1")
    pieces = segment("0123456789", [((1, 5), a), ((3, 8), b)])
    assert pieces == [
        Segment("0"),
        Segment("12", (a,), ("e0",)),
        Segment("34", (a, b), ("e1",)),
        Segment("567", (b,)),
        Segment("89"),
    ]
    assert pieces[2].principles == "p.a p.b"
    assert pieces[2].cards == "card-p.a card-p.b"


def test_no_marks() -> None:
    assert segment("plain", []) == [Segment("plain")]
    assert segment("", []) == []


def test_elided_quote_anchors_at_its_first_fragment() -> None:
    a = _mark("p.a", "e0")
    pieces = segment("abcdef", [((4, 6), a), ((0, 2), a)])
    assert [(p.text, p.starts) for p in pieces] == [("ab", ("e0",)), ("cd", ()), ("ef", ())]
