"""Shared builders for the OpenAI-compatible judge tests (the constitution and transcripts
are the Claude judge tests')."""

from __future__ import annotations

from typing import Any

from checker.judges.openai import OpenAIJudge
from tests.checker.anthropic_helpers import CONSTITUTION, FILLER, run, transcript
from tests.fakeopenai import FakeOpenAI

MODEL = "fake-model"


def make_judge(api: FakeOpenAI, **kwargs: Any) -> OpenAIJudge:
    options: dict[str, Any] = {
        "model": MODEL,
        "api_key": "test-key",
        "base_url": api.base_url,
        "backoff_base_s": 0.01,
        "timeout_s": 5.0,
    }
    options.update(kwargs)
    return OpenAIJudge(**options)


__all__ = ["CONSTITUTION", "FILLER", "MODEL", "make_judge", "run", "transcript"]
