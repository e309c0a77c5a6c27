from __future__ import annotations

import pytest

from checker.errors import JudgeConfigError
from checker.judges import make_judge, register_judge, resolve_judge_name, unregister_judge
from tests.checker.stub_judge import StubJudge

NEITHER = "neither ANTHROPIC_API_KEY nor OPENAI_BASE_URL is set"
OPENAI = "ANTHROPIC_API_KEY is not set, OPENAI_BASE_URL is"


@pytest.mark.parametrize(
    ("name", "env", "expected"),
    [
        ("auto", {"ANTHROPIC_API_KEY": "k"}, ("anthropic", "ANTHROPIC_API_KEY is set")),
        ("auto", {}, ("local", NEITHER)),
        ("auto", {"ANTHROPIC_API_KEY": ""}, ("local", NEITHER)),
        ("auto", {"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}, ("openai", OPENAI)),
        (
            "auto",
            {"ANTHROPIC_API_KEY": "k", "OPENAI_BASE_URL": "http://x/v1"},
            ("anthropic", "ANTHROPIC_API_KEY is set"),
        ),
        ("local", {"ANTHROPIC_API_KEY": "k"}, ("local", "--judge local")),
    ],
)
def test_auto_picks_anthropic_then_openai_then_local(
    name: str, env: dict[str, str], expected: tuple[str, str]
) -> None:
    assert resolve_judge_name(name, env) == expected


def test_registered_judges_take_the_model() -> None:
    register_judge("stubby", StubJudge)
    try:
        judge = make_judge("stubby", model="m-2")
    finally:
        unregister_judge("stubby")
    assert isinstance(judge, StubJudge) and judge.model == "m-2"


def test_unknown_judge_and_bad_options_are_config_errors() -> None:
    with pytest.raises(JudgeConfigError, match="unknown judge 'oracle'"):
        make_judge("oracle")
    register_judge("stubby", StubJudge)
    try:
        with pytest.raises(JudgeConfigError, match="cannot set up the stubby judge"):
            make_judge("stubby", colour="blue")
    finally:
        unregister_judge("stubby")
