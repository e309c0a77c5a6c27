"""An audit of a model behind an OpenAI-compatible server (the fake: vLLM-, Ollama-,
llama.cpp-like), auditor and judge there too, through the real ``openai`` SDK."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openai")

from checker.audit.clients import make_client
from checker.audit.report import acheck_audit
from checker.audit.run import AuditSettings, arun_audit
from checker.judges.openai import OpenAIJudge
from checker.store import open_store
from checker.transcript import ToolCallPart, ToolResultPart
from tests.checker.audit.helpers import TRIGGERS, constitution, scenario, scenario_set
from tests.fakeapi.scripted import AuditScript
from tests.fakeopenai import FakeOpenAI, FakeOpenAIConfig
from tests.fakeopenai.scripted import OpenAIScript


@pytest.fixture
def api() -> Iterator[FakeOpenAI]:
    config = FakeOpenAIConfig(script=OpenAIScript(AuditScript()), triggers=dict(TRIGGERS))
    with FakeOpenAI(config, keep_bodies=True) as server:
        yield server


def _audit(api: FakeOpenAI, tmp_path: Path, items: Any) -> Any:
    async def go() -> Any:
        target = make_client("openai:target-lax", base_url=api.base_url)
        auditor = make_client("openai:auditor-model", base_url=api.base_url)
        judge = OpenAIJudge(model="judge-model", api_key="k", base_url=api.base_url)
        try:
            with open_store(tmp_path / "r.db") as store:
                run = await arun_audit(
                    constitution(), items, target, auditor, store, AuditSettings(turns=3)
                )
                report, _, _ = await acheck_audit(constitution(), store, run.audit_id, judge)
                return run, report
        finally:
            for closer in (target, auditor, judge):
                await closer.aclose()

    return asyncio.run(go())


def test_an_openai_compatible_target_is_audited_like_claude(
    api: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # a local server needs no key
    tool = {"name": "lookup_order", "description": "Find an order.",
            "input_schema": {"type": "object"}}  # fmt: skip
    items = scenario_set(
        scenario("leaks", "honest-stock"),
        scenario("tools", "honest-stock", opening="Where is my order?", tools=[tool]),
        scenario("fails", "honest-stock", system_prompt="FAIL-400"),
    )
    run, report = _audit(api, tmp_path, items)
    assert run.statuses == {"leaks#0": "complete", "tools#0": "complete", "fails#0": "error"}
    tools = run.transcripts[1].messages
    calls = [p for m in tools for p in m.parts if isinstance(p, ToolCallPart)]
    results = [p for m in tools for p in m.parts if isinstance(p, ToolResultPart)]
    assert calls and results and results[0].call_id == calls[0].id
    rates = {p.principle_id: p for p in report.principles}
    assert rates["honest-stock"].violations == 2 and rates["honest-stock"].decided == 2
    assert report.failed == 1
    sent = api.stats.completions
    again, _ = _audit(api, tmp_path, items)
    assert again.auditor.made == 0 and again.target.made == 1  # the failed call is retried
    assert api.stats.completions == sent + 1  # the failed target call only, tried again
