"""``check --judge openai``: a full run against the fake OpenAI-compatible server, setup
failures (exit 2), and dry runs with no key and no network."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("openai")

from tests.cli.conftest import RunCli
from tests.fakeopenai import FakeOpenAI, FakeOpenAIConfig, llama_cpp_config

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
RULES = str(FIXTURES / "general-assistant.yaml")
CHATS = str(FIXTURES / "demo" / "chats.jsonl")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CONSTITUTION_MODEL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(llama_cpp_config()) as server:
        yield server


def _check(run_cli: RunCli, db: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("check", RULES, CHATS, "--db", str(db), *args)
    return result.code, result.out, result.err


def test_a_full_check_against_a_local_server(
    api: FakeOpenAI, run_cli: RunCli, tmp_path: Path
) -> None:
    code, out, err = _check(
        run_cli,
        tmp_path / "results.db",
        "--judge",
        "openai",
        "--base-url",
        api.base_url,
        "--model",
        "qwen2.5-0.5b",
        "--timeout",
        "5",
        "--format",
        "json",
    )
    assert code == 0, err
    result = json.loads(out)
    totals = result["totals"]
    assert totals["errors"] == 0
    assert totals["calls"] == api.stats.ok > 0
    assert totals["openai"] == {
        "structured_output": "json_object_schema",
        "cached_tokens": "not reported by the server",
        "mode_rejections": api.stats.rejected_modes["json_schema"],
    }
    assert "server: structured output json_object_schema" in err
    assert "cached prompt tokens not reported by the server" in err
    verdicts = [v for t in result.get("verdicts", []) for v in ([t] if "judge" in t else [])]
    assert all(v["judge"] == "openai" for v in verdicts)


def test_a_second_run_is_served_from_the_cache_of_that_server(
    api: FakeOpenAI, run_cli: RunCli, tmp_path: Path
) -> None:
    db = tmp_path / "results.db"
    args = ("--judge", "openai", "--base-url", api.base_url, "--model", "m", "--format", "json")
    assert _check(run_cli, db, *args)[0] == 0
    calls = api.stats.completions
    code, _, _ = _check(run_cli, db, *args)
    assert code == 0 and api.stats.completions == calls  # nothing sent again


def test_another_server_with_the_same_model_name_judges_again(
    api: FakeOpenAI, run_cli: RunCli, tmp_path: Path
) -> None:
    db = tmp_path / "results.db"
    assert (
        _check(run_cli, db, "--judge", "openai", "--base-url", api.base_url, "--model", "m")[0] == 0
    )
    with FakeOpenAI(llama_cpp_config()) as other:  # same model name, another server
        other_args = ("--judge", "openai", "--base-url", other.base_url, "--model", "m")
        assert _check(run_cli, db, *other_args)[0] == 0
        assert other.stats.ok > 0


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (FakeOpenAIConfig(api_key="the-right-key"), "refused the credentials"),
        (FakeOpenAIConfig(forbidden=True), "refused the credentials"),
        (FakeOpenAIConfig(models=("llama3",)), "does not know that model"),
    ],
)
def test_setup_failures_stop_the_run_with_exit_2(
    config: FakeOpenAIConfig, words: str, run_cli: RunCli, tmp_path: Path
) -> None:
    with FakeOpenAI(config) as server:
        code, _, err = _check(
            run_cli,
            tmp_path / "results.db",
            "--judge",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            "mistral",
        )
        sent = server.stats.completions
    assert code == 2
    assert words in err
    assert "Traceback" not in err
    assert sent <= 8  # stopped at once, not one error verdict per judgment


def test_no_model_is_a_clear_error(api: FakeOpenAI, run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = _check(
        run_cli, tmp_path / "r.db", "--judge", "openai", "--base-url", api.base_url
    )
    assert code == 2
    assert "--model" in err and "CONSTITUTION_MODEL" in err
    assert api.stats.requests == 0


@pytest.mark.parametrize("judge", ["openai", "anthropic"])
def test_dry_run_needs_no_key_and_no_network(judge: str, run_cli: RunCli, tmp_path: Path) -> None:
    args = ["--judge", judge, "--dry-run", "--model"]
    if judge == "openai":
        args += ["some-model", "--base-url", "https://api.example.invalid/v1"]
    else:
        args += ["claude-sonnet-5-5"]
    code, out, err = _check(run_cli, tmp_path / "r.db", *args)
    assert code == 0, err
    assert "dry run:" in out and "estimate:" in out
    if judge == "openai":
        assert "cost unknown (no price for some-model)" in out
    else:
        assert "cost $" in out


def test_base_url_is_only_for_judges_that_take_it(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = _check(
        run_cli, tmp_path / "r.db", "--judge", "local", "--base-url", "http://127.0.0.1:1/v1"
    )
    assert code == 2
    assert "--base-url" in err


def test_the_project_config_sets_the_server_and_model(
    api: FakeOpenAI, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "constitution.toml"
    config.write_text(f'base-url = "{api.base_url}"\nmodel = "qwen2.5-0.5b"\nformat = "json"\n')
    monkeypatch.chdir(tmp_path)
    code, out, err = _check(run_cli, tmp_path / "results.db", "--limit", "2", "--timeout", "5")
    assert code == 0, err
    assert (
        f"judge: openai (ANTHROPIC_API_KEY is not set, base-url in {config.resolve()}:1 is)" in err
    )
    result = json.loads(out)
    assert result["run"]["model"] == "qwen2.5-0.5b"
    assert result["totals"]["calls"] == api.stats.ok > 0
