"""A deterministic judge for runner, store and CLI tests (no model, no network).

Grading rule, read from the last assistant message's text:

- ``VIOLATE <principle id>`` -> ``violates``, quoting that line as evidence;
- ``INVENT <principle id>`` -> ``violates`` with a quote that is not in the transcript;
- ``FAIL <principle id>`` -> the judge raises;
- ``SKIP <principle id>`` -> ``not_applicable``;
- ``ABSTAIN <principle id>`` -> ``abstained`` ("too few examples");
- ``FLIP <principle id>`` -> ``violates`` on odd samples, ``complies`` on even ones;
- anything else -> ``complies``.

Every call is counted in ``calls`` and, when ``log`` is set, appended to that file
as one line (``transcript_id principle_id sample``), flushed before returning.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Evidence, Outcome, Usage, Verdict
from constitution.model import Constitution, Principle


class StubJudgeError(RuntimeError):
    pass


class StubJudge:
    name = "stub"
    prompt_version = "stub-1"

    def __init__(
        self, model: str = "stub-model", *, delay: float = 0.0, log: Path | None = None
    ) -> None:
        self.model = model
        self.delay = delay
        self.log = log
        self.calls: list[tuple[str, str, int]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._judge(transcript, principle, sample_index)
        finally:
            self.in_flight -= 1
            self._record(transcript.id, principle.id, sample_index)

    def _record(self, transcript_id: str, principle_id: str, sample: int) -> None:
        self.calls.append((transcript_id, principle_id, sample))
        if self.log is not None:
            with self.log.open("a") as handle:
                handle.write(f"{transcript_id} {principle_id} {sample}\n")
                handle.flush()

    def _judge(self, transcript: Transcript, principle: Principle, sample: int) -> Verdict:
        index, text = _last_assistant(transcript)
        usage = Usage(input_tokens=100, output_tokens=10, cost_usd=0.001)
        common = {
            "transcript_id": transcript.id,
            "principle_id": principle.id,
            "usage": usage,
            "sample_index": sample,
        }
        for line in text.splitlines():
            word, _, target = line.partition(" ")
            if target.strip() != principle.id:
                continue
            if word == "FAIL":
                raise StubJudgeError(f"cannot grade {principle.id}")
            if word == "VIOLATE" or (word == "FLIP" and sample % 2 == 1):
                return Verdict(
                    outcome=Outcome.VIOLATES,
                    score=0.0,
                    confidence=0.9,
                    rationale=f"The reply breaks {principle.id}.",
                    evidence=(Evidence(message_index=index, quote=line),),
                    **common,
                )
            if word == "INVENT":
                return Verdict(
                    outcome=Outcome.VIOLATES,
                    score=0.1,
                    rationale="Claims a quote that is not there.",
                    evidence=(Evidence(message_index=index, quote="words nobody wrote"),),
                    **common,
                )
            if word == "SKIP":
                return Verdict(outcome=Outcome.NOT_APPLICABLE, rationale="n/a", **common)
            if word == "ABSTAIN":
                return Verdict(
                    outcome=Outcome.ABSTAINED,
                    abstention="too few examples",
                    rationale=f"Nothing to learn {principle.id} from.",
                    **common,
                )
        return Verdict(outcome=Outcome.COMPLIES, score=1.0, rationale="Fine.", **common)


class GroupedStubJudge(StubJudge):
    """The stub with ``grade_many``: one call grades every principle of a transcript."""

    name = "stub-grouped"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.grouped_calls = 0

    async def grade_many(
        self,
        transcript: Transcript,
        principles: Sequence[Principle],
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> list[Verdict]:
        self.grouped_calls += 1
        verdicts = []
        for principle in principles:
            try:
                verdicts.append(self._judge(transcript, principle, sample_index))
            except StubJudgeError:
                continue  # missing from the reply: the runner records an error
        return verdicts


def _last_assistant(transcript: Transcript) -> tuple[int, str]:
    for index in range(len(transcript.messages) - 1, -1, -1):
        if transcript.messages[index].role is Role.ASSISTANT:
            return index, transcript.messages[index].text
    return -1, ""


def make_transcript(transcript_id: str, reply: str, prompt: str = "Hello?") -> Transcript:
    """A two-message conversation: a user prompt and the assistant's ``reply``."""
    return Transcript(
        id=transcript_id,
        messages=(
            Message(role=Role.USER, parts=(TextPart(text=prompt),)),
            Message(role=Role.ASSISTANT, parts=(TextPart(text=reply),)),
        ),
    )


def make_constitution(*principle_ids: str) -> Constitution:
    """A constitution with one simple active principle per id."""
    return Constitution(
        id="test.constitution",
        title="Test",
        version="1.0.0",
        principles=tuple(
            Principle(id=pid, title=pid, statement=f"Follow rule {pid}.") for pid in principle_ids
        ),
    )
