"""Model judges built offline (``--dry-run``) estimate with no key and no network."""

from __future__ import annotations

import asyncio

import pytest

from checker.errors import JudgeConfigError
from checker.judges import make_judge
from checker.judges.llm.tokens import estimate_chat_tokens, estimate_json_tokens, estimate_tokens
from tests.checker.anthropic_helpers import CONSTITUTION, transcript


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_the_claude_judge_estimates_offline() -> None:
    judge = make_judge("anthropic", model="claude-sonnet-5-5", offline=True)
    usage = asyncio.run(
        judge.estimate(transcript("t", "fine"), list(CONSTITUTION.principles), CONSTITUTION)  # type: ignore[attr-defined]
    )
    assert usage.cache_write_tokens > 0 and usage.cache_read_tokens > 0
    assert usage.cost_usd > 0
    assert judge.price_known  # type: ignore[attr-defined]


def test_without_offline_a_key_is_still_required() -> None:
    with pytest.raises(JudgeConfigError, match="ANTHROPIC_API_KEY"):
        make_judge("anthropic", offline=False)


def test_local_counts() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("Hello, world.") == 6  # 13 chars x 0.26 + 2 marks x 0.95
    assert estimate_json_tokens('{"a": 1}') == 3
    assert estimate_chat_tokens(["Hello, world."], schema='{"a": 1}') == 3 + 3 + 4 + 6
