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


def test_the_registry_lists_each_built_in_judge_once() -> None:
    from checker.judges import judge_choices, judge_entries

    names = [entry.name for entry in judge_entries()]
    assert names[:4] == ["anthropic", "openai", "local", "cascade"]
    assert len(names) == len(set(names))
    assert judge_choices()[0] == "auto" and "auto" not in names
    for entry in judge_entries():
        assert entry.description and entry.needs


def test_availability_says_why_not(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.judges import find_judge, registry

    assert find_judge("local").available({}).usable
    anthropic = find_judge("anthropic")
    assert anthropic.available({}).reason == "ANTHROPIC_API_KEY is not set"
    assert anthropic.available({"ANTHROPIC_API_KEY": "k"}).usable
    assert "ANTHROPIC_API_KEY" in find_judge("cascade").available({}).reason
    real = registry._module_exists
    monkeypatch.setattr(
        registry, "_module_exists", lambda m: False if m == "checker.judges.openai" else real(m)
    )
    status = find_judge("openai").available({"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"})
    assert not status.usable and status.reason.startswith("not installed")
    monkeypatch.setattr(registry, "_module_exists", lambda m: True)
    assert find_judge("openai").available({"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}).usable
    assert "OPENAI_BASE_URL" in find_judge("openai").available({}).reason


def test_options_set_to_none_are_left_out() -> None:
    seen: list[dict[str, object]] = []

    def factory(**options: object) -> StubJudge:
        seen.append(options)
        return StubJudge()

    register_judge("stubby", factory)
    try:
        make_judge("stubby", model=None, timeout_s=None)
        make_judge("stubby", model="m", timeout_s=2.0)
    finally:
        unregister_judge("stubby")
    assert seen == [{}, {"model": "m", "timeout_s": 2.0}]
