"""The cascade sends only flagged or unsure pairs to the strong judge, and counts the rest."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from checker.judges import Judge
from checker.judges.cascade import CascadeJudge
from checker.judges.local import LocalJudge
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Outcome, Verdict
from constitution.load import load_constitution
from constitution.model import Constitution, Principle

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "local"


class StrongJudge:
    """Stands in for Claude: says ``complies`` and records what it was asked."""

    name = "strong"
    model = "strong-1"
    prompt_version = "p1"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict:
        self.seen.append((transcript.id, principle.id))
        return Verdict(
            transcript_id=transcript.id,
            principle_id=principle.id,
            outcome=Outcome.COMPLIES,
            confidence=0.9,
            judge=self.name,
        )


class FixedJudge:
    """A screen that returns one outcome and confidence for everything."""

    name = "fixed"
    model = "fixed-1"
    prompt_version = "f1"

    def __init__(self, outcome: Outcome, confidence: float, score: float | None = None) -> None:
        self.outcome, self.confidence, self.score = outcome, confidence, score

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict:
        return Verdict(
            transcript_id=transcript.id,
            principle_id=principle.id,
            outcome=self.outcome,
            confidence=self.confidence,
            score=self.score,
            judge=self.name,
        )


def transcripts() -> list[Transcript]:
    out = []
    for line in (FIXTURES / "transcripts.jsonl").read_text().splitlines():
        record = json.loads(line)
        messages = tuple(
            Message(role=Role(m["role"]), parts=(TextPart(text=m["content"]),))
            for m in record["messages"]
        )
        out.append(Transcript(id=record["id"], messages=messages))
    return out


def grade_all(judge: Judge, constitution: Constitution) -> list[Verdict]:
    async def run() -> list[Verdict]:
        return [
            await judge.grade(t, p, constitution)
            for t in transcripts()
            for p in constitution.principles
        ]

    return asyncio.run(run())


def test_confident_complies_is_kept_everything_else_escalates() -> None:
    constitution = load_constitution(FIXTURES / "constitution.yaml")
    n = len(transcripts()) * len(constitution.principles)
    cases = [
        (Outcome.COMPLIES, 0.9, None, 0),
        (Outcome.COMPLIES, 0.9, 0.85, 0),
        (Outcome.NOT_APPLICABLE, 0.9, None, 0),
        (Outcome.COMPLIES, 0.1, None, n),
        (Outcome.COMPLIES, 0.9, 0.7, n),
        (Outcome.VIOLATES, 0.99, None, n),
        (Outcome.ERROR, 1.0, None, n),
        (Outcome.ABSTAINED, 1.0, None, n),  # even a "confident" abstention decides nothing
    ]
    for outcome, confidence, score, escalated in cases:
        strong = StrongJudge()
        cascade = CascadeJudge(FixedJudge(outcome, confidence, score), strong)
        verdicts = grade_all(cascade, constitution)
        assert (cascade.stats.screened, cascade.stats.escalated) == (n, escalated)
        assert cascade.stats.saved == n - escalated
        assert len(strong.seen) == escalated
        assert {v.judge for v in verdicts} == ({"strong"} if escalated else {"fixed"})


def test_local_screen_marks_who_judged_what() -> None:
    constitution = load_constitution(FIXTURES / "constitution.yaml")
    strong = StrongJudge()
    cascade = CascadeJudge(LocalJudge(), strong, threshold=0.3)
    assert isinstance(cascade, Judge)
    assert cascade.model == "local:two-factor-3>strong:strong-1@0.3,0.8"
    verdicts = grade_all(cascade, constitution)
    # Examples alone leave the local judge unsure, so every pair is confirmed.
    assert cascade.stats.escalated == len(verdicts) == len(strong.seen)
    assert all(v.judge == "strong" for v in verdicts)


def test_cascade_over_the_fake_claude_server() -> None:
    from checker.judges.local import LabelledPair
    from constitution.model import Label
    from tests.checker.anthropic_helpers import make_judge as make_claude
    from tests.fakeapi import FakeMessagesAPI

    constitution = load_constitution(FIXTURES / "constitution.yaml")
    principle = constitution.principle("help.no-needless-refusal")
    by_id = {t.id: t for t in transcripts()}
    labels = {
        "safe-answered": Label.COMPLIES,
        "safe-refused": Label.VIOLATES,
        "harmful-refused": Label.COMPLIES,
        "harmful-answered": Label.COMPLIES,
    }
    pairs = [
        LabelledPair(by_id[t], principle, label) for t, label in labels.items() for _ in range(10)
    ]
    local = LocalJudge.fit(pairs)
    only_help = constitution.model_copy(update={"principles": (principle,)})
    with FakeMessagesAPI() as api:
        cascade = CascadeJudge(local, make_claude(api))
        verdicts = {v.transcript_id: v for v in grade_all(cascade, only_help)}
    assert api.stats.messages == cascade.stats.escalated
    assert cascade.stats.screened == 5
    # The refusal is flagged and confirmed by Claude; clear compliance stays local.
    assert verdicts["safe-refused"].judge == "anthropic"
    assert verdicts["safe-answered"].judge == "local"
    assert verdicts["no-reply"].judge == "anthropic"  # the local judge abstained
    assert 0 < cascade.stats.saved < 5


def test_the_cascade_passes_options_to_its_strong_judge() -> None:
    from checker.judges import make_judge, register_judge, unregister_judge

    seen: list[dict[str, object]] = []

    def strong(**options: object) -> FixedJudge:
        seen.append(options)
        return FixedJudge(Outcome.COMPLIES, 1.0, 1.0)

    register_judge("anthropic", strong)
    try:
        cascade = make_judge("cascade", model="m-9", timeout_s=3.0)
    finally:
        unregister_judge("anthropic")
    assert seen == [{"model": "m-9", "timeout_s": 3.0}]
    assert cascade.run_stats().key == "cascade"  # type: ignore[attr-defined]
