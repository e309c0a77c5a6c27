"""The OpenAI-compatible judge: setup, prompt reuse and usage, stopping on bad setup."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openai")

from checker.errors import JudgeConfigError
from checker.judges.openai import OpenAIJudge, is_local_server, resolve_api_key, resolve_model
from checker.judges.openai._request import cached_prefix_tokens
from checker.transcripts import load_transcripts
from checker.verdict import Outcome, Verdict
from tests.checker.openai_helpers import CONSTITUTION, MODEL, make_judge, run, transcript
from tests.fakeopenai import FakeOpenAI, FakeOpenAIConfig, llama_cpp_config

HARM, HELP = CONSTITUTION.principles
FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def _per_principle(config: FakeOpenAIConfig, transcripts: int = 3, **judge: Any) -> Any:
    async def go() -> tuple[list[Verdict], Any, Any]:
        with FakeOpenAI(config, keep_bodies=True) as api:
            async with make_judge(api, **judge) as j:
                jobs = [
                    j.grade(transcript(f"t{i}", "fine"), p, CONSTITUTION)
                    for i in range(transcripts)
                    for p in (HARM, HELP, HARM, HELP)
                ]
                return list(await asyncio.gather(*jobs)), j, api.stats

    return run(go())


def test_requests_put_the_transcript_before_the_principle() -> None:
    _, _, stats = _per_principle(FakeOpenAIConfig(), transcripts=1)
    first = stats.bodies[0]["messages"]
    second = next(b["messages"] for b in stats.bodies if b["messages"] != first)
    assert [m["role"] for m in first] == ["system", "user"]
    assert first[0] == second[0]
    user_a, user_b = first[1]["content"], second[1]["content"]
    assert user_a.startswith("Here is the transcript to judge.")
    shared = next(i for i, (a, b) in enumerate(zip(user_a, user_b, strict=False)) if a != b)
    assert shared > len(user_a) * 0.8  # only the principle at the end differs


def test_cached_tokens_are_counted_as_cache_reads() -> None:
    verdicts, judge, stats = _per_principle(FakeOpenAIConfig())
    assert all(v.outcome is Outcome.COMPLIES for v in verdicts)
    assert stats.cached_tokens > 0
    assert judge.stats.usage.cache_read_tokens == stats.cached_tokens
    assert judge.stats.usage.input_tokens == stats.prompt_tokens - stats.cached_tokens
    # the first call on each transcript goes alone, the other three read its prefix (the
    # fake commits a prefix just after sending the reply: a follower may rarely beat it)
    cold = [v for v in verdicts if v.usage.cache_read_tokens == 0]
    assert 3 <= len(cold) <= 5
    assert judge.run_stats().labels["cached_tokens"] == "reported"


def test_a_server_that_reports_no_cached_tokens_is_said_to() -> None:
    verdicts, judge, stats = _per_principle(llama_cpp_config(), transcripts=1)
    assert all(v.outcome is Outcome.COMPLIES for v in verdicts)
    assert judge.stats.usage.cache_read_tokens == 0
    assert judge.stats.usage.input_tokens == stats.prompt_tokens
    assert judge.run_stats().labels["cached_tokens"] == "not reported by the server"


def test_server_is_the_normalised_base_url() -> None:
    judge = OpenAIJudge(model=MODEL, base_url="HTTP://LocalHost:8000/v1/", offline=True)
    assert judge.server == "http://localhost:8000/v1"


def test_a_model_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSTITUTION_MODEL", raising=False)
    with pytest.raises(JudgeConfigError, match=r"--model .* CONSTITUTION_MODEL"):
        resolve_model(None)
    assert resolve_model(None, {"CONSTITUTION_MODEL": "qwen"}) == "qwen"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://10.1.2.3/v1", True),
        ("http://192.168.0.7:1234/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://openrouter.ai/api/v1", False),
        ("http://8.8.8.8/v1", False),
    ],
)
def test_local_servers_need_no_key(url: str, local: bool) -> None:
    assert is_local_server(url) is local
    if local:
        assert resolve_api_key(None, url, {}) == "no-key-needed"
    else:
        with pytest.raises(JudgeConfigError, match="OPENAI_API_KEY"):
            resolve_api_key(None, url, {})
    assert resolve_api_key(None, url, {"OPENAI_API_KEY": "k"}) == "k"


@pytest.mark.parametrize(
    ("config", "match"),
    [
        (FakeOpenAIConfig(api_key="right-key"), "refused the credentials"),
        (FakeOpenAIConfig(forbidden=True), "refused the credentials"),
        (FakeOpenAIConfig(models=("other-model",)), "does not know that model"),
        (FakeOpenAIConfig(quota_exhausted=True), "quota"),
    ],
)
def test_bad_setup_stops_the_run(config: FakeOpenAIConfig, match: str) -> None:
    async def go() -> None:
        with FakeOpenAI(config) as api:
            async with make_judge(api, api_key="sk-wrong-key-123456") as judge:
                await judge.grade(transcript("t", "fine"), HARM, CONSTITUTION)

    with pytest.raises(JudgeConfigError, match=match) as caught:
        run(go())
    assert "sk-wrong-key-123456" not in str(caught.value)


def test_a_wrong_base_url_names_the_fix() -> None:
    async def go() -> None:
        with FakeOpenAI() as api:
            url = api.base_url.removesuffix("/v1")
            async with OpenAIJudge(model=MODEL, base_url=url, backoff_base_s=0.01) as judge:
                await judge.grade(transcript("t", "fine"), HARM, CONSTITUTION)

    with pytest.raises(JudgeConfigError, match="--base-url"):
        run(go())


def test_grouped_mode_judges_every_principle_in_one_call() -> None:
    async def go() -> tuple[list[Verdict], Any]:
        with FakeOpenAI(FakeOpenAIConfig(triggers={HELP.id: "VAGUE"})) as api:
            async with make_judge(api) as judge:
                verdicts = await judge.grade_many(
                    transcript("t", "a VAGUE answer"), [HARM, HELP], CONSTITUTION
                )
                return verdicts, api.stats

    verdicts, stats = run(go())
    assert [v.outcome for v in verdicts] == [Outcome.COMPLIES, Outcome.VIOLATES]
    assert stats.completions == 1


def test_estimates_need_no_key_and_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    judge = OpenAIJudge(model="some-model", base_url="https://api.example.com/v1", offline=True)
    usage = run(judge.estimate(transcript("t", "fine"), [HARM, HELP], CONSTITUTION))
    assert usage.input_tokens > 0 and usage.cache_read_tokens > 0
    assert usage.output_tokens == 500
    assert not judge.price_known and usage.cost_usd == 0.0
    with pytest.raises(JudgeConfigError, match="OPENAI_API_KEY"):
        OpenAIJudge(model="some-model", base_url="https://api.example.com/v1")


def test_estimates_are_close_to_what_the_fake_server_counts() -> None:
    """Real chats: within the bound docs/JUDGES.md states (bench/bench_token_estimate.py)."""
    items = list(load_transcripts([FIXTURES / "demo" / "chats.jsonl"]))

    async def go() -> tuple[int, int]:
        with FakeOpenAI() as api:
            async with make_judge(api) as judge:
                estimated = 0
                for item in items:
                    usage = await judge.estimate(item, [HARM, HELP], CONSTITUTION)
                    estimated += usage.input_tokens + usage.cache_read_tokens
                    for principle in (HARM, HELP):
                        await judge.grade(item, principle, CONSTITUTION)
                return estimated, api.stats.prompt_tokens

    estimated, counted = run(go())
    assert abs(estimated - counted) / counted < 0.10


def test_cache_arithmetic_follows_openais_steps() -> None:
    assert cached_prefix_tokens(1023) == 0
    assert cached_prefix_tokens(1024) == 1024
    assert cached_prefix_tokens(1300) == 1280
