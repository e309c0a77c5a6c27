"""Structured-output modes: the best one a server takes, found at run time and kept."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("openai")

from checker.judges.openai import MODES, ModeChooser, rejects_mode
from checker.judges.openai._modes import format_fields
from checker.judges.openai._reply import first_json_object
from checker.verdict import Outcome, Verdict
from tests.checker.openai_helpers import CONSTITUTION, make_judge, run, transcript
from tests.fakeopenai import FakeOpenAI, FakeOpenAIConfig, FaultPlan, llama_cpp_config

HARM = CONSTITUTION.principles[0]


def _grade_many(config: FakeOpenAIConfig, n: int = 6, **judge: Any) -> Any:
    async def go() -> tuple[list[Verdict], Any, Any]:
        with FakeOpenAI(config, keep_bodies=True) as api:
            async with make_judge(api, **judge) as j:
                replies = ["FORBIDDEN" if i % 2 else "fine" for i in range(n)]
                verdicts = await asyncio.gather(
                    *(
                        j.grade(transcript(f"t{i}", r), HARM, CONSTITUTION)
                        for i, r in enumerate(replies)
                    )
                )
                return list(verdicts), j, api.stats

    return run(go())


def _check(verdicts: list[Verdict]) -> None:
    for verdict in verdicts:
        odd = int(verdict.transcript_id[1:]) % 2
        assert verdict.outcome is (Outcome.VIOLATES if odd else Outcome.COMPLIES)


def test_a_server_taking_json_schema_keeps_it() -> None:
    verdicts, judge, stats = _grade_many(FakeOpenAIConfig())
    _check(verdicts)
    assert judge.mode == "json_schema"
    assert set(stats.modes) == {"json_schema"}
    assert judge.run_stats().labels["structured_output"] == "json_schema"
    sent = stats.bodies[0]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True


def test_llama_cpp_500_on_json_schema_is_a_rejection_not_a_fault() -> None:
    verdicts, judge, stats = _grade_many(llama_cpp_config())
    _check(verdicts)
    assert judge.mode == "json_object_schema"
    assert judge.stats.retried == {}  # never retried as a transient 500
    assert 1 <= stats.rejected_modes["json_schema"] <= judge.limiter.initial_concurrency
    assert judge.mode_rejections == stats.rejected_modes["json_schema"]
    assert all(v.error is None for v in verdicts)


def test_400_rejections_walk_down_to_a_supported_mode() -> None:
    config = FakeOpenAIConfig(supports=frozenset({"tool", "json_object", "prompt"}))
    verdicts, judge, stats = _grade_many(config)
    _check(verdicts)
    assert judge.mode == "tool"
    assert stats.rejected_modes["json_schema"] >= 1
    assert stats.rejected_modes["json_object_schema"] >= 1
    assert set(stats.modes) == {"tool"}


@pytest.mark.parametrize("mode", ["json_object", "prompt"])
def test_schema_in_the_instructions_when_the_server_does_not_enforce_it(mode: str) -> None:
    config = FakeOpenAIConfig(supports=frozenset({mode}))
    verdicts, judge, stats = _grade_many(config)
    _check(verdicts)
    assert judge.mode == mode
    last = stats.bodies[-1]
    assert "JSON schema" in last["messages"][0]["content"]
    assert "response_format" not in last or last["response_format"]["type"] == "json_object"


def test_a_fixed_mode_is_part_of_the_prompt_version() -> None:
    with FakeOpenAI(FakeOpenAIConfig(supports=frozenset({"tool"}))) as api:
        judge = make_judge(api, modes=["tool"])
        assert judge.prompt_version.endswith(";mode=tool")
        assert make_judge(api).prompt_version == "claude-judge/1;openai"
        verdict = run(judge.grade(transcript("t", "FORBIDDEN"), HARM, CONSTITUTION))
        assert verdict.outcome is Outcome.VIOLATES


def test_no_mode_left_is_an_error_verdict() -> None:
    config = FakeOpenAIConfig(supports=frozenset())
    verdicts, judge, _ = _grade_many(config, n=2)
    assert all(v.outcome is Outcome.ERROR for v in verdicts)
    assert judge.mode == "prompt"


def test_a_real_500_after_the_mode_is_settled_is_retried() -> None:
    config = llama_cpp_config(faults=FaultPlan(schedule={3: "500"}))  # 1: rejected, 2: ok

    async def go() -> tuple[list[Verdict], Any]:
        with FakeOpenAI(config) as api:
            async with make_judge(api) as judge:
                verdicts = [
                    await judge.grade(transcript(f"t{i}", "fine"), HARM, CONSTITUTION)
                    for i in range(3)
                ]
                return verdicts, judge

    verdicts, judge = run(go())
    assert [v.outcome for v in verdicts] == [Outcome.COMPLIES] * 3
    assert judge.mode == "json_object_schema"
    assert judge.stats.retried == {"500": 1}


def test_reasoning_models_parameters_are_mended_once() -> None:
    verdicts, judge, stats = _grade_many(FakeOpenAIConfig(reasoning_model=True))
    _check(verdicts)
    last = stats.bodies[-1]
    assert "temperature" not in last and "max_tokens" not in last
    assert last["max_completion_tokens"] == 4096
    assert judge.mode == "json_schema"


def test_rejections_are_recognised() -> None:
    llama = "[{'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text'\"}]"
    assert rejects_mode(500, llama)
    assert rejects_mode(400, "'response_format' of type 'json_schema' is not supported")
    assert rejects_mode(400, "Unrecognized request argument supplied: schema")
    assert rejects_mode(422, "tool_choice is not supported")
    assert not rejects_mode(500, "The server had an error while processing your request.")
    assert not rejects_mode(400, "This model's maximum context length is 4096 tokens.")
    assert not rejects_mode(503, "json_schema overloaded")


def test_the_chooser_moves_on_once_per_rejection_and_settles() -> None:
    chooser = ModeChooser()
    assert chooser.current == "json_schema"
    assert chooser.rejected_by_server("json_schema", "500")
    assert chooser.rejected_by_server("json_schema", "500")  # a late one: retry, no skip
    assert chooser.current == "json_object_schema"
    chooser.answered("json_object_schema", followed=True)
    assert chooser.confirmed
    assert not chooser.rejected_by_server("json_object_schema", "400")
    assert chooser.current == "json_object_schema"


def test_a_mode_accepted_but_never_followed_is_given_up() -> None:
    chooser = ModeChooser()
    for _ in range(3):
        chooser.answered("json_schema", followed=False)
    assert chooser.current == "json_object_schema"
    assert "did not match" in chooser.rejected["json_schema"]


def test_every_mode_has_its_fields() -> None:
    schema = {"type": "object"}
    fields = {mode: format_fields(mode, schema, "verdict") for mode in MODES}
    assert fields["json_object_schema"]["response_format"]["schema"] == schema
    assert fields["tool"]["tool_choice"]["function"]["name"] == "record_verdict"
    assert fields["prompt"] == {}


def test_json_is_found_in_prose_and_fences() -> None:
    assert first_json_object('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert first_json_object('Here it is: {"a": {"b": 2}} done.') == '{"a": {"b": 2}}'
    assert first_json_object("no json") == "no json"
