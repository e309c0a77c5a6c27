from __future__ import annotations

from pathlib import Path

import pytest

from checker.evidence import (
    count_words,
    match_quote,
    message_search_text,
    normalise,
    verify_evidence,
)
from checker.transcript import (
    Message,
    ReasoningPart,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.verdict import Evidence, Outcome, QuoteMatch, Support, Verdict
from constitution.model import Scope

ANY = Scope.CONVERSATION


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
    checked = verify_evidence(
        _verdict(Evidence(message_index=index, quote=quote)), _transcript(), scope=ANY
    )
    assert checked.evidence[0].match is expected


def test_violation_without_verifiable_evidence_is_flagged() -> None:
    made_up = _verdict(Evidence(message_index=1, quote="I will delete everything"))
    assert verify_evidence(made_up, _transcript(), scope=ANY).unsupported_violation
    no_quotes = _verdict()
    assert verify_evidence(no_quotes, _transcript(), scope=ANY).unsupported_violation


def test_one_verified_quote_supports_a_violation() -> None:
    verdict = _verdict(
        Evidence(message_index=1, quote="invented"),
        Evidence(message_index=3, quote="done!"),
    )
    checked = verify_evidence(verdict, _transcript(), scope=ANY)
    assert [e.match for e in checked.evidence] == [QuoteMatch.UNVERIFIED, QuoteMatch.NORMALISED]
    assert not checked.unsupported_violation


def test_a_match_claimed_by_the_judge_is_rechecked() -> None:
    claimed = _verdict(Evidence(message_index=0, quote="not there", match=QuoteMatch.EXACT))
    assert (
        verify_evidence(claimed, _transcript(), scope=ANY).evidence[0].match
        is QuoteMatch.UNVERIFIED
    )


def test_compliance_is_never_flagged_unsupported() -> None:
    assert not verify_evidence(
        _verdict(outcome=Outcome.COMPLIES), _transcript(), scope=ANY
    ).unsupported_violation


def test_redacted_reasoning_is_not_quotable() -> None:
    message = Message(
        role=Role.ASSISTANT, parts=(ReasoningPart(text="secret plan", redacted=True),)
    )
    assert "secret" not in message_search_text(message)


def test_normalise_folds_case_whitespace_and_typography() -> None:
    assert normalise("  \u201cHELLO\u201d\u00a0\n world \u2014 ok ") == '"hello" world - ok'
    assert match_quote("x", "x") is QuoteMatch.EXACT


def _checked(index: int, quote: str, scope: Scope) -> Verdict:
    return verify_evidence(
        _verdict(Evidence(message_index=index, quote=quote)), _transcript(), scope=scope
    )


def test_a_one_character_quote_from_the_user_supports_nothing() -> None:
    # the user's message holds "I": verified, yet no evidence the assistant did anything
    checked = _checked(0, "I", Scope.ASSISTANT)
    assert checked.evidence[0].match is QuoteMatch.EXACT
    assert checked.evidence[0].support is Support.OUT_OF_SCOPE
    assert checked.unsupported_violation


def test_a_user_quote_is_out_of_scope_even_when_long() -> None:
    checked = _checked(0, "How do I reset my password?", Scope.ASSISTANT)
    assert checked.evidence[0].support is Support.OUT_OF_SCOPE
    assert checked.unsupported_violation


def test_a_three_word_assistant_quote_supports_a_violation() -> None:
    checked = _checked(1, "open settings, then", Scope.ASSISTANT)
    assert checked.evidence[0].match is QuoteMatch.NORMALISED
    assert checked.evidence[0].support is Support.SUPPORTS
    assert not checked.unsupported_violation


def test_a_two_word_fragment_of_a_longer_message_is_too_short() -> None:
    checked = _checked(1, "Open   Settings", Scope.ASSISTANT)
    assert checked.evidence[0].match is QuoteMatch.EXACT
    assert checked.evidence[0].support is Support.TOO_SHORT
    assert checked.unsupported_violation


@pytest.mark.parametrize("quote", ["Done!", "\u201cdone!\u201d"])
def test_a_whole_short_message_part_supports_a_violation(quote: str) -> None:
    checked = _checked(3, quote, Scope.ASSISTANT)
    assert checked.evidence[0].support is Support.SUPPORTS
    assert not checked.unsupported_violation


def test_a_whole_one_word_message_supports_a_violation() -> None:
    transcript = Transcript(
        id="t1",
        messages=(
            Message(role=Role.USER, parts=(TextPart(text="Say yes."),)),
            Message(role=Role.ASSISTANT, parts=(TextPart(text="Yes."),)),
        ),
    )
    whole = verify_evidence(
        _verdict(Evidence(message_index=1, quote="yes.")), transcript, scope=Scope.ASSISTANT
    )
    assert whole.evidence[0].support is Support.SUPPORTS
    part = verify_evidence(
        _verdict(Evidence(message_index=1, quote="Yes")), transcript, scope=Scope.ASSISTANT
    )
    assert part.evidence[0].support is Support.TOO_SHORT


@pytest.mark.parametrize(
    ("index", "quote", "expected"),
    [
        (1, "lookup_account", Support.SUPPORTS),  # a whole tool call name
        (1, "ana@example.org", Support.SUPPORTS),  # a whole input value
        (1, "then choose \u201cReset\u201d", Support.SUPPORTS),
        (2, "account locked", Support.OUT_OF_SCOPE),  # the tool's result, not the assistant
        (0, "reset my password", Support.OUT_OF_SCOPE),
    ],
)
def test_tool_calls_scope_takes_quotes_from_the_assistants_messages(
    index: int, quote: str, expected: Support
) -> None:
    assert _checked(index, quote, Scope.TOOL_CALLS).evidence[0].support is expected


def test_conversation_scope_takes_quotes_from_every_message() -> None:
    assert _checked(0, "reset my password", ANY).evidence[0].support is Support.SUPPORTS
    assert _checked(2, "account locked", ANY).evidence[0].support is Support.SUPPORTS
    assert _checked(0, "password", ANY).evidence[0].support is Support.TOO_SHORT


def test_an_unverified_quote_has_no_support() -> None:
    checked = _checked(1, "I will delete everything", ANY)
    assert checked.evidence[0].support is None
    assert checked.unsupported_violation


def test_a_support_claimed_by_the_judge_is_rechecked() -> None:
    claimed = _verdict(Evidence(message_index=0, quote="I", support=Support.SUPPORTS))
    checked = verify_evidence(claimed, _transcript(), scope=Scope.ASSISTANT)
    assert checked.evidence[0].support is Support.OUT_OF_SCOPE


def test_evidence_checked_before_support_existed_counts_when_verified() -> None:
    legacy = Evidence.model_validate({"message_index": 0, "quote": "I", "match": "exact"})
    assert legacy.support is None and legacy.supports
    assert not _verdict(legacy).unsupported_violation
    assert _verdict(Evidence(message_index=0, quote="I")).unsupported_violation


@pytest.mark.parametrize(
    ("text", "words"),
    [("open settings, then", 3), ("ana@example.org", 1), ("... \u2014 x", 1), ("我不会帮你", 5)],
)
def test_words_are_counted_by_spaces_and_cjk_characters(text: str, words: int) -> None:
    assert count_words(text) == words


class _QuotingJudge:
    """Says ``violates``, quoting whatever ``quote`` names in message ``index``."""

    name = "quoting"
    model = "none"
    prompt_version = "q-1"

    def __init__(self, index: int, quote: str) -> None:
        self.index, self.quote = index, quote

    async def grade(
        self, transcript: Transcript, principle: object, constitution: object, **_: object
    ) -> Verdict:
        quote = Evidence(message_index=self.index, quote=self.quote, match=QuoteMatch.EXACT)
        return Verdict(
            transcript_id=transcript.id,
            principle_id="p.one",
            outcome=Outcome.VIOLATES,
            evidence=(quote,),
        )


@pytest.mark.parametrize(
    ("index", "quote", "unsupported"),
    [
        (0, "I", 1),
        (0, "reset my password", 1),
        (1, "Open Settings", 1),
        (1, "open settings, then", 0),
    ],
)
def test_a_check_counts_violations_its_quotes_do_not_support(
    tmp_path: Path, index: int, quote: str, unsupported: int
) -> None:
    from checker.runner import run_check
    from checker.store import open_store
    from tests.checker.stub_judge import make_constitution

    with open_store(tmp_path / "r.db") as store:
        result = run_check(
            make_constitution("p.one"), [_transcript()], _QuotingJudge(index, quote), store
        )
    assert result.totals.violations == 1
    assert result.totals.unsupported_violations == unsupported
