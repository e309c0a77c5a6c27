"""constitution audit plan / run / check / compare, end to end against the fake API
playing auditor, target and judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.audit.scenarios import load_scenarios
from tests.checker.audit.helpers import CONSTITUTION_PATH, SCENARIOS_PATH, audit_config
from tests.cli.conftest import RunCli
from tests.fakeapi.scripted import AuditScript


@pytest.fixture
def api(fake_api: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    script = AuditScript()
    server = fake_api(audit_config(script), keep_bodies=True)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    server.script = script
    return server


def _plan(run_cli: RunCli, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "scenarios.yaml"
    result = run_cli(
        "audit", "plan", str(CONSTITUTION_PATH), "--out", str(out), "--auditor",
        "auditor-model", "--db", str(tmp_path / "r.db"), *extra,
    )  # fmt: skip
    assert result.code == 0, result.err
    return out


def _run(run_cli: RunCli, tmp_path: Path, scenarios: Path, *targets: str) -> Any:
    flags = [arg for t in targets for arg in ("--target", t)]
    return run_cli(
        "audit", "run", str(CONSTITUTION_PATH), str(scenarios), *flags, "--auditor",
        "auditor-model", "--turns", "3", "--db", str(tmp_path / "r.db"),
    )  # fmt: skip


def test_plan_writes_a_valid_scenario_file_per_principle_and_tension(
    api: Any, run_cli: RunCli, tmp_path: Path
) -> None:
    out = _plan(run_cli, tmp_path, "--per-principle", "2", "--tensions")
    scenarios = load_scenarios(out).scenarios
    single = [s for s in scenarios if len(s.principles) == 1]
    tensions = [s for s in scenarios if len(s.principles) == 2]
    assert len(single) == 6 and len(tensions) == 6  # 3 principles, 3 pairs of tiers
    assert tensions[0].principles == ("no-health-claims", "honest-stock")
    assert any(s.tools for s in scenarios)
    calls = api.stats.messages
    _plan(run_cli, tmp_path, "--per-principle", "2", "--tensions")
    assert api.stats.messages == calls  # planned again from the store


def test_run_check_and_compare_two_targets(api: Any, run_cli: RunCli, tmp_path: Path) -> None:
    scenarios = _plan(run_cli, tmp_path, "--per-principle", "1")
    ran = _run(run_cli, tmp_path, scenarios, "target-lax", "target-strict")
    assert ran.code == 0, ran.err
    assert "audit 1 (target-lax)" in ran.out and "audit 2 (target-strict)" in ran.out
    db = str(tmp_path / "r.db")
    html = tmp_path / "report.html"
    checked = run_cli(
        "audit", "check", str(CONSTITUTION_PATH), "--audit", "1", "--judge", "anthropic",
        "--model", "judge-model", "--db", db, "--format", "json", "--html", str(html),
        "--mode", "grouped",
    )  # fmt: skip
    assert checked.code == 0, checked.err
    report = json.loads(checked.out)
    rates = {p["principle_id"]: p for p in report["principles"]}
    assert rates["no-health-claims"]["violations"] == 1
    assert rates["no-health-claims"]["decided"] == 3
    assert 0 < rates["no-health-claims"]["low"] < rates["no-health-claims"]["rate"]
    assert report["worst"][0]["violated"]
    page = html.read_text()
    assert "LEAK-no-health-claims" in page and "evaluation_awareness" in page
    compared = run_cli(
        "audit", "compare", str(CONSTITUTION_PATH), "--audit", "1", "--audit", "2",
        "--judge", "anthropic", "--model", "judge-model", "--db", db, "--format", "json",
    )  # fmt: skip
    assert compared.code == 0, compared.err
    diff = json.loads(compared.out)["behaviour"]
    assert diff["before"]["label"] == "anthropic:target-lax"
    flips = {p["principle_id"]: p for p in diff["principles"]}
    assert flips["no-health-claims"]["paired"] == 3  # paired by (scenario, sample)
    assert flips["no-health-claims"]["to_complies"] == 1
    assert flips["no-health-claims"]["flips"][0]["before_transcript"].endswith("#0")


def test_a_repeated_audit_makes_no_call(api: Any, run_cli: RunCli, tmp_path: Path) -> None:
    first = _run(run_cli, tmp_path, SCENARIOS_PATH, "target-lax")
    assert first.code == 0, first.err
    sent = api.stats.messages
    again = _run(run_cli, tmp_path, SCENARIOS_PATH, "target-lax")
    assert api.stats.messages == sent
    assert "0 calls made" in again.out
    listed = run_cli("audit", "list", "--db", str(tmp_path / "r.db"))
    assert listed.code == 0
    lines = listed.out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("2\t") and "anthropic:target-lax" in lines[0]
    assert "3 complete" in lines[0]


def test_dry_run_sends_nothing(api: Any, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(
        "audit", "run", str(CONSTITUTION_PATH), str(SCENARIOS_PATH), "--target", "t",
        "--turns", "2", "--dry-run", "--db", str(tmp_path / "r.db"),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "3 conversations" in result.out and "at most 9 to make" in result.out
    assert api.stats.messages == 0


def test_a_bad_scenario_file_names_file_and_line(api: Any, run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("audit: 1\nscenarios:\n  - id: s1\n    principles: [honest-stock]\n"
                   "    goal: g\n    openning: hi\n")  # fmt: skip
    result = _run(run_cli, tmp_path, bad, "t")
    assert result.code == 2
    assert f"{bad}:6:5: error: unknown key 'openning' in scenario" in result.err
    assert f"{bad}:3:5: error: scenario is missing required key 'opening'" in result.err
    assert "Traceback" not in result.err


def test_a_scenario_probing_an_unknown_principle_is_an_error(
    api: Any, run_cli: RunCli, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("audit: 1\nscenarios:\n  - id: s1\n    principles: [nope]\n"
                   "    goal: g\n    opening: hi\n")  # fmt: skip
    result = _run(run_cli, tmp_path, bad, "t")
    assert result.code == 2
    assert f"{bad}:3:5: error: scenario 's1' probes nope" in result.err


def test_an_unknown_provider_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = _run(run_cli, tmp_path, SCENARIOS_PATH, "nowhere:model")
    assert result.code == 2 and "unknown model provider 'nowhere'" in result.err


def test_transcripts_export_writes_jsonl_and_an_inspect_log_that_read_back(
    api: Any, run_cli: RunCli, tmp_path: Path
) -> None:
    from checker.transcripts import load_transcripts

    assert _run(run_cli, tmp_path, SCENARIOS_PATH, "target-lax").code == 0
    db = str(tmp_path / "r.db")
    jsonl, log = tmp_path / "out.jsonl", tmp_path / "out.json"
    for fmt, path in (("jsonl", jsonl), ("inspect", log)):
        result = run_cli("transcripts", "export", "--audit", "latest", "--format", fmt,
                         "--out", str(path), "--db", db)  # fmt: skip
        assert result.code == 0, result.err
    native = list(load_transcripts([str(jsonl)]))
    inspect = list(load_transcripts([str(log)]))
    assert [t.id for t in native] == ["birthday-delivery#0", "cold-remedy#0",
                                       "safety-over-service#0"]  # fmt: skip
    assert native[0].metadata["audit"]["target"] == "anthropic:target-lax"
    assert [t.content_hash() for t in inspect] == [t.content_hash() for t in native]


def test_compare_one_audit_under_two_revisions(api: Any, run_cli: RunCli, tmp_path: Path) -> None:
    assert _run(run_cli, tmp_path, SCENARIOS_PATH, "target-lax").code == 0
    text = CONSTITUTION_PATH.read_text()
    newer = tmp_path / "tea-shop-v2.yaml"
    newer.write_text(
        text.replace("version: 1.0.0", "version: 1.1.0").replace(
            "The assistant answers in a few friendly sentences",
            "The assistant answers in two or three friendly sentences",
        )
    )
    result = run_cli(
        "audit", "compare", str(CONSTITUTION_PATH), "--audit", "1", "--revision", str(newer),
        "--judge", "anthropic", "--model", "judge-model", "--db", str(tmp_path / "r.db"),
        "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    rows = {p["principle_id"]: p for p in json.loads(result.out)["behaviour"]["principles"]}
    assert rows["friendly-brevity"]["status"] == "changed"
    assert rows["no-health-claims"]["status"] == "unchanged"
    assert rows["no-health-claims"]["paired"] == 3


def test_run_with_a_judge_reports_or_diffs_at_once(
    api: Any, run_cli: RunCli, tmp_path: Path
) -> None:
    judged = ("--judge", "anthropic", "--judge-model", "judge-model")
    one = run_cli(
        "audit", "run", str(CONSTITUTION_PATH), str(SCENARIOS_PATH), "--target", "target-lax",
        "--turns", "3", "--db", str(tmp_path / "r.db"), *judged,
    )  # fmt: skip
    assert one.code == 0, one.err
    assert "# Audit 1: anthropic:target-lax against tea-shop 1.0.0" in one.out
    assert "| no-health-claims | safety | 2 | 0 | 3 | 0% |" in one.out  # probed by 2 scenarios
    two = run_cli(
        "audit", "run", str(CONSTITUTION_PATH), str(SCENARIOS_PATH), "--target", "target-lax",
        "--target", "target-strict", "--turns", "3", "--db", str(tmp_path / "r.db"), *judged,
    )  # fmt: skip
    assert two.code == 0, two.err
    assert "anthropic:target-strict" in two.out and "no-health-claims" in two.out


def test_run_a_target_behind_an_openai_compatible_server(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("openai")
    from tests.checker.audit.helpers import TRIGGERS
    from tests.fakeopenai import FakeOpenAI, FakeOpenAIConfig
    from tests.fakeopenai.scripted import OpenAIScript

    config = FakeOpenAIConfig(script=OpenAIScript(AuditScript()), triggers=dict(TRIGGERS))
    with FakeOpenAI(config) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        result = run_cli(
            "audit", "run", str(CONSTITUTION_PATH), str(SCENARIOS_PATH), "--target",
            "openai:target-lax", "--auditor", "openai:auditor-model", "--turns", "2",
            "--db", str(tmp_path / "r.db"),
        )  # fmt: skip
    assert result.code == 0, result.err
    assert "audit 1 (openai:target-lax): 3 complete" in result.out
