"""Fixtures for the local judge's tests: the demo constitution and its transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.transcript import Message, Role, TextPart, Transcript
from constitution.load import load_constitution
from constitution.model import Constitution

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "local"


def chat_transcript(record: dict[str, object]) -> Transcript:
    """A transcript from one ``{"id", "messages": [{"role", "content"}]}`` record."""
    raw = record["messages"]
    assert isinstance(raw, list)
    messages = tuple(
        Message(role=Role(m["role"]), parts=(TextPart(text=m["content"]),)) for m in raw
    )
    return Transcript(id=str(record["id"]), messages=messages)


@pytest.fixture(scope="session")
def demo_constitution() -> Constitution:
    return load_constitution(FIXTURES / "constitution.yaml")


@pytest.fixture(scope="session")
def demo_transcripts() -> dict[str, Transcript]:
    lines = (FIXTURES / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    records = [chat_transcript(json.loads(line)) for line in lines if line.strip()]
    return {t.id: t for t in records}
