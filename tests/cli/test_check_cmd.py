from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.judges import JudgeEntry, register_judge, unregister_judge
from checker.store import open_store
from tests.checker.stub_judge import StubJudge, make_transcript
from tests.cli.conftest import RunCli
from tests.cli.conftest import StubJudges as _Judges

CONSTITUTION = """\
constitution: 1
id: test-rules
title: Test rules
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Follow rule one.
  - id: p.two
    title: Rule two
    statement: Follow rule two.
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    _write(tmp_path / "chats.jsonl", ["All good.", "VIOLATE p.one", "FAIL p.two"])
    return tmp_path


def _write(path: Path, replies: list[str]) -> None:
    lines = [
        make_transcript(f"t{i}", reply, f"question {i}").model_dump_json()
        for i, reply in enumerate(replies)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_check_prints_the_judge_and_a_table(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl")
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == (
        "judge: local (neither ANTHROPIC_API_KEY nor OPENAI_BASE_URL is set)"
    )
    assert "p.one          3         2         1" in result.out
    assert "t1 x p.one: score 0.00" in result.out
    assert judges.calls == 6
    assert (work / ".constitution" / "results.db").is_file()


def test_a_repeated_check_makes_no_calls(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    _write(work / "clean.jsonl", ["Fine.", "VIOLATE p.two"])
    assert run_cli("check", "rules.yaml", "clean.jsonl").code == 0
    assert judges.calls == 4
    again = run_cli("check", "rules.yaml", "clean.jsonl", "--format", "json")
    assert judges.calls == 4
    totals = json.loads(again.out)["totals"]
    assert (totals["calls"], totals["cache_hits"], totals["judgments"]) == (0, 4, 4)
    assert "run 2: 4 judgments: 4 graded (3 complies, 1 violates)" in again.err
    assert "1 violation, 0 calls, 4 cached" in again.err


def test_errors_are_retried_on_the_next_run(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    run_cli("check", "rules.yaml", "chats.jsonl")
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--format", "jsonl")
    assert judges.calls == 7  # the one failed judgment, again
    outcomes = [json.loads(line)["outcome"] for line in result.out.splitlines()]
    assert outcomes.count("error") == 1 and "complies" in outcomes


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 0),
        (("--fail-on", "violates"), 1),
        (("--fail-on", "error"), 1),
        (("--fail-on", "violates", "--principle", "p.two"), 1),  # it errored: could not see
        (("--fail-on", "violates", "--principle", "p.two", "--allow-errors", "1"), 0),
        (("--fail-on", "error", "--principle", "p.two", "--allow-errors", "1"), 0),
        (("--fail-on", "error", "--principle", "p.one"), 0),
        (("--fail-on", "abstained"), 0),
    ],
)
def test_fail_on_sets_exit_code_1(
    work: Path, judges: _Judges, run_cli: RunCli, args: tuple[str, ...], code: int
) -> None:
    assert run_cli("check", "rules.yaml", "chats.jsonl", *args).code == code


def test_a_run_where_every_judgment_errored_fails_the_violates_gate(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    _write(work / "broken.jsonl", ["FAIL p.one\nFAIL p.two", "FAIL p.one\nFAIL p.two"])
    result = run_cli("check", "rules.yaml", "broken.jsonl", "--fail-on", "violates")
    assert result.code == 1
    assert (
        "gate failed: --fail-on violates: 4 of 4 judgments errored and --allow-errors permits 0:"
        " a gate that could not see does not pass"
    ) in result.err
    assert "4 judgments: 0 graded, 0 out of scope, 4 errors" in result.out
    allowed = run_cli(
        "check", "rules.yaml", "broken.jsonl", "--fail-on", "violates", "--allow-errors", "4"
    )
    assert allowed.code == 0
    assert "gate: 4 of 4 judgments errored (--allow-errors 4)" in allowed.err


def test_abstentions_pass_the_violates_gate_and_are_counted(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    _write(work / "unsure.jsonl", ["ABSTAIN p.one", "ABSTAIN p.one\nABSTAIN p.two"])
    args = ("check", "rules.yaml", "unsure.jsonl", "--format", "json", "--fail-on", "violates")
    result = run_cli(*args)
    assert result.code == 0, result.err
    assert (
        "run 1: 4 judgments: 1 graded (1 complies, 0 violates), 0 out of scope,"
        " 3 abstained (too few examples, on 2 principles), 0 errors"
    ) in result.err
    assert (
        "gate: 3 of 4 judgments abstained and were not graded (--fail-on abstained fails on them)"
        in result.err
    )
    strict = run_cli("check", "rules.yaml", "unsure.jsonl", "--fail-on", "abstained")
    assert strict.code == 1
    assert (
        "gate failed: --fail-on abstained: the judge abstained on 3 of 4 judgments"
        " (too few examples: 3)"
    ) in strict.err


def test_a_violation_says_which_principles_failed_the_gate(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--fail-on", "violates")
    assert result.code == 1
    assert "gate failed: --fail-on violates: 1 pair violates p.one" in result.err
    assert "--fail-on violates: 1 of 6 judgments errored" in result.err


def test_report_applies_the_same_gates(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    _write(work / "unsure.jsonl", ["ABSTAIN p.one", "FAIL p.two"])
    assert run_cli("check", "rules.yaml", "unsure.jsonl").code == 0
    assert run_cli("report", "latest", "--fail-on", "violates").code == 1
    assert run_cli("report", "latest", "--fail-on", "violates", "--allow-errors", "1").code == 0
    strict = run_cli("report", "latest", "--fail-on", "abstained", "--allow-errors", "1")
    assert strict.code == 1
    assert "gate failed: --fail-on abstained" in strict.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.yaml", "chats.jsonl"), "error: missing.yaml: no such file or directory"),
        (("rules.yaml", "nothing.jsonl"), "nothing.jsonl"),
        (("rules.yaml", "chats.jsonl", "--principle", "p.nine"), "no principle 'p.nine'"),
        (("rules.yaml", "chats.jsonl", "--samples", "0"), "samples"),
        (("rules.yaml", "chats.jsonl", "--judge", "oracle"), "oracle"),
        (("rules.yaml", "chats.jsonl", "--resume", "9"), "no run 9"),
        (("rules.yaml", "bad.jsonl"), "bad.jsonl:1"),
    ],
)
def test_bad_input_exits_2(
    work: Path, judges: _Judges, run_cli: RunCli, args: tuple[str, ...], message: str
) -> None:
    (work / "bad.jsonl").write_text("{not json\n")
    result = run_cli("check", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_an_unavailable_judge_is_a_clear_error(
    work: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = JudgeEntry("cascade", "", "", "checker.nowhere:Judge")
    monkeypatch.setattr("checker.judges.registry.BUILTIN", (missing,))
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--judge", "cascade")
    assert result.code == 2
    assert "judge checker.nowhere.Judge is not available" in result.err


def test_auto_picks_anthropic_when_a_key_is_set(
    work: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    factory = _Judges()
    register_judge("anthropic", factory)
    try:
        result = run_cli("check", "rules.yaml", "chats.jsonl", "--model", "m-1")
    finally:
        unregister_judge("anthropic")
    assert result.err.splitlines()[0] == "judge: anthropic (ANTHROPIC_API_KEY is set)"
    assert factory.made[0].model == "m-1"


def test_dry_run_grades_nothing(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--dry-run")
    assert result.code == 0
    assert judges.calls == 0
    assert "3 transcripts x 2 principles = 6 judgments" in result.out
    assert "to judge: 6 in 6 calls" in result.out
    with open_store(work / ".constitution" / "results.db") as store:
        assert store.list_runs() == []


def test_runs_and_report(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    run_cli("check", "rules.yaml", "chats.jsonl", "--db", "r.db", "--out", "first.txt")
    listed = run_cli("runs", "--db", "r.db")
    assert listed.code == 0
    row = listed.out.splitlines()[1].split()
    assert row[0] == "1" and row[2] == "complete" and row[3:5] == ["test-rules", "1.0.0"]
    as_json = json.loads(run_cli("runs", "--db", "r.db", "--json").out)
    assert (as_json["id"], as_json["status"], as_json["totals"]["calls"]) == (1, "complete", 6)
    report = run_cli("report", "1", "--db", "r.db")
    assert report.out == (work / "first.txt").read_text()
    junit = run_cli("report", "latest", "--db", "r.db", "--format", "junit", "--fail-on", "error")
    assert junit.code == 1
    assert ET.fromstring(junit.out).get("failures") == "1"
    markdown = run_cli("report", "1", "--db", "r.db", "--format", "markdown")
    assert "| `p.one` | 3 | 2 | 1 | 0 | 0 | 0 | 33.3% |" in markdown.out
    missing = run_cli("report", "7", "--db", "r.db")
    assert missing.code == 2 and "no run 7" in missing.err


def test_resume_continues_the_named_run(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    run_cli("check", "rules.yaml", "chats.jsonl")
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--resume", "1", "--format", "json")
    document = json.loads(result.out)
    assert document["run"]["id"] == 1
    assert document["totals"]["calls"] == 7 and judges.calls == 7


def test_grouped_and_samples_options(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli(
        "check",
        "rules.yaml",
        "chats.jsonl",
        "--mode",
        "grouped",
        "--samples",
        "3",
        "--concurrency",
        "2",
        "--format",
        "json",
    )
    run = json.loads(result.out)["run"]
    assert (run["mode"], run["samples"]) == ("per-principle", 3)  # the stub has no grade_many
    assert judges.calls == 18


def test_progress_bar_renders_on_a_terminal(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from cli.check_cmd import _run_with_progress
    from tests.checker.stub_judge import make_constitution

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    items = [make_transcript(f"t{i}", "VIOLATE p.one", f"q{i}") for i in range(3)]
    with open_store(tmp_path / "r.db") as store:
        result = _run_with_progress(
            console, StubJudge(), make_constitution("p.one", "p.two"), items, store, {}
        )
    assert result.totals.judgments == 6
    shown = buffer.getvalue()
    assert "6/6" in shown and "tok $0.0060" in shown


def test_skip_invalid_reports_bad_records_and_goes_on(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    good = make_transcript("ok", "Fine.").model_dump_json()
    (work / "mixed.jsonl").write_text(f"{good}\n{{not json\n")
    strict = run_cli("check", "rules.yaml", "mixed.jsonl")
    assert strict.code == 2 and "mixed.jsonl:2" in strict.err
    lenient = run_cli("check", "rules.yaml", "mixed.jsonl", "--skip-invalid")
    assert lenient.code == 0, lenient.err
    assert "skipped: mixed.jsonl:2" in lenient.err
    assert "skipped 1 invalid record(s)" in lenient.err
    assert judges.calls == 2


def test_html_of_a_streamed_check_reads_transcripts_back_from_the_store(
    work: Path, judges: _Judges, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cli.check_cmd.PREFETCH", 2)  # 3 transcripts: streamed
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--format", "html")
    assert result.code == 0, result.err
    assert all(f"question {i}" in result.out for i in range(3))


def test_timeout_reaches_model_judges_only(
    work: Path, judges: _Judges, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--judge", "local", "--timeout", "5")
    assert result.code == 2
    assert "--timeout" in result.err and "only with --judge anthropic or openai" in result.err
    seen: list[dict[str, object]] = []

    def factory(**options: object) -> StubJudge:
        seen.append(options)
        return StubJudge()

    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    register_judge("anthropic", factory)
    try:
        result = run_cli("check", "rules.yaml", "chats.jsonl", "--timeout", "7.5")
    finally:
        unregister_judge("anthropic")
    assert result.code == 0, result.err
    assert seen == [{"timeout_s": 7.5}]


@pytest.mark.parametrize("command", ["check", "diff", "calibrate", "selftest"])
def test_judge_choices_and_timeout_come_from_the_registry(run_cli: RunCli, command: str) -> None:
    from checker.judges import judge_choices

    result = run_cli(command, "--help")
    assert result.code == 0
    flat = " ".join(result.out.replace("│", " ").split())
    assert "--timeout" in flat
    for name in judge_choices():
        assert name in flat


def test_auto_picks_openai_when_only_a_base_url_is_set(
    work: Path, judges: _Judges, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    factory = _Judges()
    register_judge("openai", factory)
    try:
        result = run_cli("check", "rules.yaml", "chats.jsonl")
    finally:
        unregister_judge("openai")
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == (
        "judge: openai (ANTHROPIC_API_KEY is not set, OPENAI_BASE_URL is)"
    )
    assert factory.made


def test_resume_says_what_it_does_and_refuses_other_options(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    run_cli("check", "rules.yaml", "chats.jsonl")
    again = run_cli("check", "rules.yaml", "chats.jsonl", "--resume", "latest")
    assert "resume: run 1 is complete: only its errored or missing judgments" in again.err
    other = run_cli("check", "rules.yaml", "chats.jsonl", "--resume", "1", "--samples", "3")
    assert other.code == 2
    assert "error: run 1 was checked with samples 1; this check asks samples 3" in other.err


def test_grouped_mode_fallback_is_said(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--mode", "grouped")
    assert result.code == 0
    assert "mode: per-principle (the stub judge cannot grade a transcript's principles" in (
        result.err
    )


def test_max_cost_leaves_work_not_graded_and_says_so(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    result = run_cli(
        "check", "rules.yaml", "chats.jsonl", "--max-cost", "0.0015", "--concurrency", "1",
        "--format", "json", "--fail-on", "violates", "--allow-errors", "9",
    )  # fmt: skip
    assert result.code == 1
    assert judges.calls == 2
    totals = json.loads(result.out)["totals"]
    assert (totals["judgments"], totals["not_graded"]) == (2, 4)
    assert "; 4 more not graded (--max-cost $0.0015: $0.0020 spent reached the cap)" in result.err
    assert "stopped: 4 judgments not graded" in result.err
    assert "--resume 1 grades them" in result.err
    assert "gate failed: --fail-on violates: 4 judgments not graded" in result.err


def test_a_stream_of_transcripts_is_reported_from_the_store(
    work: Path, judges: _Judges, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cli.check_cmd.PREFETCH", 2)  # three transcripts: a stream
    result = run_cli("check", "rules.yaml", "chats.jsonl", "--format", "json", "--db", "s.db")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["totals"]["judgments"] == 6
    assert len(document["verdicts"]) == 6
    assert len(document["pairs"]) == 6
    table = run_cli("check", "rules.yaml", "chats.jsonl", "--db", "s.db", "--fail-on", "violates")
    assert table.code == 1
    assert "t1 x p.one: score 0.00" in table.out
    assert "gate failed: --fail-on violates: 1 pair violates p.one" in table.err
