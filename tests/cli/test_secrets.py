"""A server that echoes the API key in its errors: the key reaches no byte of the store
and no report (table, JSON, JSONL, Markdown, JUnit, HTML), nor stderr."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli
from tests.cli.test_check_cmd import CONSTITUTION
from tests.fakeapi import FakeConfig, FakeMessagesAPI
from tests.fakeapi.backend import FaultPlan

KEY = "sk-ant-api03-Zq8v" + "Xb2NkR7pT4mW9yL1cD6hJ3fG5sA0eU" + "-QwErTy12_AA"
FORMATS = ("table", "json", "jsonl", "markdown", "junit", "html")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    chats = [make_transcript("a", "Fine."), make_transcript("b", "Also fine.")]
    (tmp_path / "chats.jsonl").write_text("".join(t.model_dump_json() + "\n" for t in chats))
    monkeypatch.setattr("checker.judges.llm.calling.backoff_delay", lambda *a, **k: 0.0)
    return tmp_path


def _serve(monkeypatch: pytest.MonkeyPatch, config: FakeConfig) -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI(config) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def failing_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    faults = FaultPlan(rate=1.0, kinds=("500",))
    yield from _serve(monkeypatch, FakeConfig(faults=faults, echo_key=True))


@pytest.fixture
def refusing_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    yield from _serve(monkeypatch, FakeConfig(api_key="another-key-entirely", echo_key=True))


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_a_key_echoed_in_500_errors_is_in_no_store_and_no_report(
    work: Path, failing_api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    db = work / "store" / "results.db"
    first = run_cli("check", "rules.yaml", "chats.jsonl", "--judge", "anthropic", "--db", str(db))
    assert first.code == 0, first.err
    assert failing_api.stats.statuses[500] > 0
    assert "[REDACTED]" in first.out  # the error is shown, the key is not
    assert KEY not in first.out + first.err
    for fmt in FORMATS:
        shown = run_cli("report", "latest", "--db", str(db), "--format", fmt)
        assert shown.code == 0, shown.err
        assert "REDACTED" in shown.out and "request carried x-api-key" in shown.out, fmt
        assert KEY not in shown.out + shown.err, fmt
        assert KEY[:20] not in shown.out, fmt
    assert KEY.encode() not in _all_bytes(work / "store")
    assert KEY[8:30].encode() not in _all_bytes(work / "store")


def test_a_key_echoed_in_a_401_is_not_printed(
    work: Path, refusing_api: FakeMessagesAPI, run_cli: RunCli
) -> None:
    db = work / "results.db"
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--judge", "anthropic", "--db", str(db))
    assert refusing_api.stats.statuses[401] > 0
    shown = result.out + result.err  # an error verdict, or the run stopped (judges issue)
    assert "invalid API key" in shown
    assert "[REDACTED]" in shown
    assert KEY not in result.err + result.out
    assert KEY.encode() not in _all_bytes(work)


def test_a_key_echoed_by_an_openai_compatible_server_is_not_printed(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("openai")
    from tests.fakeopenai import FakeOpenAI, FakeOpenAIConfig

    key = "sk-proj-" + "Hq3v9XbTkR2pW7yL1cD6hJ3fG5sA0eU4"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    (tmp_path / "chats.jsonl").write_text(make_transcript("a", "Fine.").model_dump_json() + "\n")
    monkeypatch.chdir(tmp_path)
    with FakeOpenAI(FakeOpenAIConfig(api_key="the-right-key", echo_key=True)) as api:
        args = ("--judge", "openai", "--base-url", api.base_url, "--model", "m", "--db", "r.db")
        result = run_cli("check", "rules.yaml", "chats.jsonl", *args)
    assert result.code == 2
    assert "Incorrect API key provided" in result.err
    assert key not in result.err + result.out
    assert key.encode() not in _all_bytes(tmp_path)
