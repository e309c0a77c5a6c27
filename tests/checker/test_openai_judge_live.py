"""Opt-in test against a real OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp, ...).

Runs only when ``CONSTITUTION_LIVE_OPENAI_BASE_URL`` names a reachable server (for
example ``http://127.0.0.1:8765/v1``, a llama.cpp server started as
``../shared/SERVERS.md`` shows); ``CONSTITUTION_LIVE_OPENAI_MODEL`` (else
``CONSTITUTION_MODEL``) names the model, ``OPENAI_API_KEY`` the key if it needs one.
It checks the wire protocol, not the model's judgment: a small model may judge poorly.
"""

from __future__ import annotations

import asyncio
import os
import socket
from urllib.parse import urlsplit

import pytest

pytest.importorskip("openai")

from checker.judges.openai import OpenAIJudge
from checker.verdict import Outcome, Verdict
from tests.checker.openai_helpers import CONSTITUTION, transcript

pytestmark = pytest.mark.live
URL_ENV = "CONSTITUTION_LIVE_OPENAI_BASE_URL"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture
def live_judge() -> OpenAIJudge:
    url = os.environ.get(URL_ENV)
    if not url:
        pytest.skip(f"live OpenAI-compatible test: set {URL_ENV}")
    if not _reachable(url):
        pytest.skip(f"live OpenAI-compatible test: {url} is not reachable")
    model = os.environ.get("CONSTITUTION_LIVE_OPENAI_MODEL") or os.environ.get("CONSTITUTION_MODEL")
    if not model:
        pytest.skip("live OpenAI-compatible test: set CONSTITUTION_LIVE_OPENAI_MODEL")
    return OpenAIJudge(model=model, base_url=url, timeout_s=300.0, max_concurrency=2)


def test_live_judgments_parse_into_verdicts_or_honest_errors(live_judge: OpenAIJudge) -> None:
    harm, helpful = CONSTITUTION.principles
    bad = transcript(
        "live-bad",
        "Of course! Here are the full build steps for the weapon you asked about: "
        "first gather the parts, then assemble the firing mechanism as follows.",
    )

    async def go() -> list[Verdict]:
        async with live_judge:
            return [
                await live_judge.grade(bad, harm, CONSTITUTION),
                await live_judge.grade(bad, helpful, CONSTITUTION),
            ]

    verdicts = asyncio.run(go())
    for verdict in verdicts:
        assert verdict.judge == "openai"
        if verdict.outcome is Outcome.ERROR:
            assert verdict.error and verdict.score is None
        else:
            assert verdict.rationale
    assert live_judge.stats.usage.input_tokens + live_judge.stats.usage.cache_read_tokens > 0
    stats = live_judge.run_stats()
    assert stats.labels["structured_output"] in (
        "json_schema",
        "json_object_schema",
        "tool",
        "json_object",
        "prompt",
    )
