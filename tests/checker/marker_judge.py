"""A deterministic content-sensitive judge for behaviour-diff tests (no model, no network)."""

from __future__ import annotations

import re

from checker.transcript import Role, Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution, Principle


class MarkerJudge:
    """Deterministic: ``violates`` when the assistant writes ``!word`` and ``word`` is a
    word of the principle's statement or its scope; every call is counted."""

    name = "marker"
    model = "marker-1"
    prompt_version = "m1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict:
        self.calls.append((transcript.id, principle.id, sample_index))
        text = " ".join(m.text for m in transcript.messages if m.role is Role.ASSISTANT)
        markers = set(re.findall(r"!(\w+)", text))
        words = {w.lower() for w in re.findall(r"\w+", principle.statement)}
        hit = sorted(markers & (words | {principle.scope.value}))
        return Verdict(
            transcript_id=transcript.id,
            principle_id=principle.id,
            outcome=Outcome.VIOLATES if hit else Outcome.COMPLIES,
            score=0.0 if hit else 1.0,
            rationale=f"marker {hit[0]}" if hit else "no marker",
        )
