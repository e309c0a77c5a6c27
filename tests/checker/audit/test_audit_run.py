"""audit run: conversations through the fake API, stored calls, resumption, errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from checker.audit._calls import count_calls
from checker.audit._records import audit_conversations, get_audit
from checker.audit.run import AuditSettings, aestimate_audit, arun_audit
from checker.store import open_store
from checker.transcript import Role, ToolCallPart, ToolResultPart
from tests.checker.audit.helpers import (
    audit_config,
    client,
    constitution,
    scenario,
    scenario_set,
)
from tests.fakeapi.scripted import AuditScript


def _run(api: Any, tmp_path: Path, scenarios: Any, target: str = "target-lax", **settings: Any):
    async def go() -> Any:
        t, a = client(api.base_url, target), client(api.base_url, "auditor-model")
        try:
            with open_store(tmp_path / "r.db") as store:
                return await arun_audit(
                    constitution(), scenarios, t, a, store, AuditSettings(**settings)
                )
        finally:
            await t.aclose()
            await a.aclose()

    return asyncio.run(go())


def test_a_conversation_alternates_auditor_and_target_until_the_auditor_ends(
    fake_api: Any, tmp_path: Path
) -> None:
    api = fake_api(audit_config(), keep_bodies=True)
    run = _run(api, tmp_path, scenario_set(scenario("s1", "honest-stock")), turns=5)
    (transcript,) = run.transcripts
    roles = [m.role for m in transcript.messages]
    # system, opening, refusal, "I insist", gives in, "I insist", gives in, auditor ends
    assert roles == [Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.USER, Role.ASSISTANT,
                     Role.USER, Role.ASSISTANT]  # fmt: skip
    assert "LEAK-honest-stock" in transcript.messages[-1].text
    meta = transcript.metadata["audit"]
    assert meta["ended_by"] == "auditor" and meta["scenario"] == "s1"
    assert transcript.id == "s1#0"
    assert run.target.made == 3 and run.auditor.made == 3
    assert run.statuses == {"s1#0": "complete"}


def test_the_target_never_sees_the_audit_framing(fake_api: Any, tmp_path: Path) -> None:
    api = fake_api(audit_config(), keep_bodies=True)
    _run(api, tmp_path, scenario_set(scenario("s1", "honest-stock")), turns=3)
    targets = [b for b in api.stats.bodies if b["model"] == "target-lax"]
    assert targets
    for body in targets:
        text = json.dumps(body).lower()
        assert "audit" not in text and "escalate" not in text and "principle" not in text


def test_tool_calls_get_results_written_by_the_auditor(fake_api: Any, tmp_path: Path) -> None:
    tool = {"name": "lookup_order", "description": "Find an order.",
            "input_schema": {"type": "object"}}  # fmt: skip
    item = scenario("t1", "honest-stock", opening="Where is my order?", tools=[tool])
    api = fake_api(audit_config())
    run = _run(api, tmp_path, scenario_set(item), target="target-strict", turns=3)
    messages = run.transcripts[0].messages
    calls = [p for m in messages for p in m.parts if isinstance(p, ToolCallPart)]
    results = [p for m in messages for p in m.parts if isinstance(p, ToolResultPart)]
    assert calls and results and results[0].call_id == calls[0].id
    assert any("shipped" in m.text for m in messages if m.role is Role.ASSISTANT)


def test_a_target_error_is_recorded_and_the_conversation_is_not_complete(
    fake_api: Any, tmp_path: Path
) -> None:
    api = fake_api(audit_config())
    failing = scenario("bad", "honest-stock", system_prompt="FAIL-400")
    run = _run(api, tmp_path, scenario_set(failing, scenario("ok", "honest-stock")), turns=2)
    assert run.statuses == {"bad#0": "error", "ok#0": "complete"}
    with open_store(tmp_path / "r.db") as store:
        stored = {c.scenario_id: c for c in audit_conversations(store, run.audit_id)}
    assert stored["bad"].status == "error"
    assert "400" in (stored["bad"].error or "")


def test_a_repeated_audit_makes_no_call(fake_api: Any, tmp_path: Path) -> None:
    script = AuditScript()
    api = fake_api(audit_config(script))
    items = scenario_set(scenario("s1", "honest-stock"), scenario("s2", "no-health-claims"))
    first = _run(api, tmp_path, items, turns=4, samples=2, seed=7)
    sent = api.stats.messages
    again = _run(api, tmp_path, items, turns=4, samples=2, seed=7)
    assert api.stats.messages == sent
    assert again.target.made == again.auditor.made == 0
    assert again.target.cached == first.target.made
    assert [t.messages for t in again.transcripts] == [t.messages for t in first.transcripts]
    other_seed = _run(api, tmp_path, items, turns=4, samples=2, seed=8)
    assert other_seed.target.made == first.target.made  # the seed is part of the key


def test_dry_run_estimates_before_any_spend_and_counts_what_is_stored(
    fake_api: Any, tmp_path: Path
) -> None:
    api = fake_api(audit_config())
    items = scenario_set(scenario("s1", "honest-stock"))

    async def estimate() -> Any:
        t, a = client(api.base_url, "target-lax"), client(api.base_url, "auditor-model")
        with open_store(tmp_path / "r.db") as store:
            return await aestimate_audit(constitution(), items, t, a, store, AuditSettings(turns=3))

    before = asyncio.run(estimate())
    assert api.stats.messages == 0
    assert before.calls == 5 and before.cached_calls == 0 and before.target.input_tokens > 0
    _run(api, tmp_path, items, turns=3)
    after = asyncio.run(estimate())
    assert after.calls == 0 and after.cached_calls == 5


def test_the_audit_is_recorded_with_its_totals(fake_api: Any, tmp_path: Path) -> None:
    api = fake_api(audit_config())
    run = _run(api, tmp_path, scenario_set(scenario("s1", "honest-stock")), turns=2)
    with open_store(tmp_path / "r.db") as store:
        record = get_audit(store, "latest")
        assert count_calls(store) == run.target.made + run.auditor.made
    assert record.id == run.audit_id and record.status == "complete"
    assert record.target == "anthropic:target-lax"
    assert record.totals["conversations"] == {"complete": 1}


def test_max_cost_stops_new_calls_and_the_rest_is_incomplete(fake_api: Any, tmp_path: Path) -> None:
    api = fake_api(audit_config(script=AuditScript(lax_models=("claude-sonnet-5-5",))))
    items = scenario_set(scenario("s1", "honest-stock"), scenario("s2", "honest-stock"))
    run = _run(
        api, tmp_path, items, target="claude-sonnet-5-5", turns=3, concurrency=1,
        max_cost_usd=1e-9,
    )  # fmt: skip
    assert run.target.made == 1  # the first call spends past the limit: no second call
    assert run.statuses == {"s1#0": "incomplete", "s2#0": "incomplete"}


def test_the_bundled_scenarios_are_valid_for_the_bundled_constitution() -> None:
    from checker.audit.scenarios import check_principles, load_scenarios
    from tests.checker.audit.helpers import SCENARIOS_PATH

    scenarios = load_scenarios(SCENARIOS_PATH)
    check_principles(scenarios, constitution())
    assert [s.id for s in scenarios.scenarios] == [
        "cold-remedy", "birthday-delivery", "safety-over-service",
    ]  # fmt: skip
    assert scenarios.scenarios[1].tools[0].name == "lookup_order"


def test_each_turn_reads_the_prefix_the_previous_turn_wrote(fake_api: Any, tmp_path: Path) -> None:
    api = fake_api(audit_config(min_cacheable_tokens=64), keep_bodies=True)
    _run(api, tmp_path, scenario_set(scenario("s1", "honest-stock")), turns=3)
    last_target = [b for b in api.stats.bodies if b["model"] == "target-lax"][-1]
    marked = [i for i, m in enumerate(last_target["messages"])
              if m["content"][-1].get("cache_control")]  # fmt: skip
    assert marked == [len(last_target["messages"]) - 3, len(last_target["messages"]) - 1]
    assert api.stats.cache_read_tokens > 0
