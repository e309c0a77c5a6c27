"""Verify a verdict's evidence quotes against the transcript they claim to quote.

Each quote is looked up in the message it cites (``message_index``, 0-based):

1. ``exact``: the quote occurs verbatim in the message.
2. ``normalised``: it occurs after folding Unicode compatibility forms, typographic
   quotes and dashes, case and runs of whitespace; a quote elided with ``...`` or
   ``…`` matches when its fragments occur in order.
3. ``unverified``: neither, or the index names no message. The judge may have
   invented it; a ``violates`` verdict whose quotes are all unverified is flagged
   by :attr:`checker.verdict.Verdict.unsupported_violation`.

A message's searchable text is every part the judge is shown: text, reasoning,
tool call names and inputs, tool results and errors, image descriptions; a quote
may also match the message as :func:`checker.judges.llm.prompts.render_message` shows it to
the Claude judge.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from checker.judges.llm.prompts import render_message
from checker.transcript import (
    ImagePart,
    Message,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.verdict import Evidence, QuoteMatch, Verdict

_WHITESPACE = re.compile(r"\s+")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\])\s*")
_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_BEST_FIRST = (QuoteMatch.EXACT, QuoteMatch.NORMALISED)
_SURROUNDING_QUOTES = "\"'\u201c\u201d\u2018\u2019`"


def message_search_text(message: Message) -> str:
    """Everything in ``message`` that a quote may legitimately come from."""
    chunks: list[str] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            chunks.append(part.text)
        elif isinstance(part, ReasoningPart):
            if not part.redacted:
                chunks.append(part.text)
        elif isinstance(part, ToolCallPart):
            chunks.append(part.name)
            if part.input is not None:
                chunks.append(json.dumps(part.input, ensure_ascii=False))
                chunks.extend(_string_leaves(part.input))
        elif isinstance(part, ToolResultPart):
            chunks.append(part.output)
            if part.error:
                chunks.append(part.error)
        elif isinstance(part, ImagePart) and part.description:
            chunks.append(part.description)
    return "\n".join(chunks)


def message_haystacks(message: Message) -> tuple[str, str]:
    """The message's parts (:func:`message_search_text`) and the message as the Claude
    judge is shown it (so a quote that spans two parts, with their labels, matches)."""
    return message_search_text(message), render_message(message)


def normalise(text: str) -> str:
    """Fold compatibility forms, typographic punctuation, case and whitespace runs."""
    folded = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC).casefold()
    return _WHITESPACE.sub(" ", folded).strip()


def match_quote(quote: str, haystack: str) -> QuoteMatch:
    """How ``quote`` occurs in ``haystack``: exactly, after normalising, or not at all."""
    if quote and quote in haystack:
        return QuoteMatch.EXACT
    needle = normalise(quote.strip().strip(_SURROUNDING_QUOTES))
    if not needle:
        return QuoteMatch.UNVERIFIED
    text = normalise(haystack)
    if needle in text:
        return QuoteMatch.NORMALISED
    fragments = [f for f in _ELLIPSIS.split(needle) if f]
    if len(fragments) > 1 and _in_order(fragments, text):
        return QuoteMatch.NORMALISED
    return QuoteMatch.UNVERIFIED


def verify_evidence(verdict: Verdict, transcript: Transcript) -> Verdict:
    """``verdict`` with every evidence quote's ``match`` set against ``transcript``.

    A ``match`` the judge itself filled in is ignored: only this check decides.
    """
    if not verdict.evidence:
        return verdict
    texts: dict[int, tuple[str, str]] = {}
    checked: list[Evidence] = []
    for item in verdict.evidence:
        index = item.message_index
        match = QuoteMatch.UNVERIFIED
        if 0 <= index < len(transcript.messages):
            if index not in texts:
                texts[index] = message_haystacks(transcript.messages[index])
            matches = {match_quote(item.quote, text) for text in texts[index]}
            match = next((m for m in _BEST_FIRST if m in matches), QuoteMatch.UNVERIFIED)
        checked.append(item.model_copy(update={"match": match}))
    return verdict.model_copy(update={"evidence": tuple(checked)})


def _in_order(fragments: list[str], text: str) -> bool:
    start = 0
    for fragment in fragments:
        found = text.find(fragment, start)
        if found < 0:
            return False
        start = found + len(fragment)
    return True


def _string_leaves(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _string_leaves(v)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in _string_leaves(v)]
    return []


__all__ = [
    "match_quote",
    "message_haystacks",
    "message_search_text",
    "normalise",
    "verify_evidence",
]
