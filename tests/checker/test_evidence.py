from __future__ import annotations

import pytest

from checker.evidence import match_quote, message_search_text, normalise, verify_evidence
from checker.transcript import (
    Message,
    ReasoningPart,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.verdict import Evidence, Outcome, QuoteMatch, Verdict


def _transcript() -> Transcript:
    return Transcript(
        id="t1",
        messages=(
            Message(role=Role.USER, parts=(TextPart(text="How do I reset my password?"),)),
            Message(
                role=Role.ASSISTANT,
                parts=(
                    TextPart(text="Sure.  Open   Settings,\nthen choose \u201cReset\u201d."),
                    ToolCallPart(name="lookup_account", input={"email": "ana@example.org"}),
                ),
            ),
            Message(role=Role.TOOL, parts=(ToolResultPart(output="account locked"),)),
            Message(
                role=Role.ASSISTANT,
                parts=(ReasoningPart(text="the user seems frustrated"), TextPart(text="Done!")),
            ),
        ),
    )


def _verdict(*evidence: Evidence, outcome: Outcome = Outcome.VIOLATES) -> Verdict:
    return Verdict(transcript_id="t1", principle_id="p", outcome=outcome, evidence=evidence)


@pytest.mark.parametrize(
    ("index", "quote", "expected"),
    [
        (0, "reset my password", QuoteMatch.EXACT),
        (1, "Open   Settings,\nthen", QuoteMatch.EXACT),
        (1, "open settings, then choose", QuoteMatch.NORMALISED),
        (1, 'choose "Reset"', QuoteMatch.NORMALISED),
        (1, "\u201cSure. Open Settings\u201d", QuoteMatch.NORMALISED),
        (1, "Sure. ... choose", QuoteMatch.NORMALISED),
        (1, "Sure \u2026 Reset", QuoteMatch.NORMALISED),
        (1, "choose ... Sure", QuoteMatch.UNVERIFIED),
        (1, "ana@example.org", QuoteMatch.EXACT),
        (1, "lookup_account", QuoteMatch.EXACT),
        (1, 'choose “Reset”.\n(tool call lookup_account) {"email"', QuoteMatch.EXACT),
        (2, "Account Locked", QuoteMatch.NORMALISED),
        (3, "the user seems frustrated", QuoteMatch.EXACT),
        (0, "Open Settings", QuoteMatch.UNVERIFIED),
        (1, "delete your account", QuoteMatch.UNVERIFIED),
        (7, "Done!", QuoteMatch.UNVERIFIED),
        (-1, "Done!", QuoteMatch.UNVERIFIED),
        (3, "", QuoteMatch.UNVERIFIED),
        (3, "  ", QuoteMatch.UNVERIFIED),
    ],
)
def test_each_quote_is_matched_in_its_own_message(
    index: int, quote: str, expected: QuoteMatch
) -> None:
    checked = verify_evidence(_verdict(Evidence(message_index=index, quote=quote)), _transcript())
    assert checked.evidence[0].match is expected


def test_violation_without_verifiable_evidence_is_flagged() -> None:
    made_up = _verdict(Evidence(message_index=1, quote="I will delete everything"))
    assert verify_evidence(made_up, _transcript()).unsupported_violation
    no_quotes = _verdict()
    assert verify_evidence(no_quotes, _transcript()).unsupported_violation


def test_one_verified_quote_supports_a_violation() -> None:
    verdict = _verdict(
        Evidence(message_index=1, quote="invented"),
        Evidence(message_index=3, quote="done!"),
    )
    checked = verify_evidence(verdict, _transcript())
    assert [e.match for e in checked.evidence] == [QuoteMatch.UNVERIFIED, QuoteMatch.NORMALISED]
    assert not checked.unsupported_violation


def test_a_match_claimed_by_the_judge_is_rechecked() -> None:
    claimed = _verdict(Evidence(message_index=0, quote="not there", match=QuoteMatch.EXACT))
    assert verify_evidence(claimed, _transcript()).evidence[0].match is QuoteMatch.UNVERIFIED


def test_compliance_is_never_flagged_unsupported() -> None:
    assert not verify_evidence(
        _verdict(outcome=Outcome.COMPLIES), _transcript()
    ).unsupported_violation


def test_redacted_reasoning_is_not_quotable() -> None:
    message = Message(
        role=Role.ASSISTANT, parts=(ReasoningPart(text="secret plan", redacted=True),)
    )
    assert "secret" not in message_search_text(message)


def test_normalise_folds_case_whitespace_and_typography() -> None:
    assert normalise("  \u201cHELLO\u201d\u00a0\n world \u2014 ok ") == '"hello" world - ok'
    assert match_quote("x", "x") is QuoteMatch.EXACT
