from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.errors import CheckerError
from checker.output import FORMATS, RUN_SCHEMA_VERSION, render, verdict_from_record
from checker.results import RunResult
from checker.runner import run_check
from checker.store import open_store
from checker.verdict import VERDICT_SCHEMA_VERSION, Outcome, Verdict
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    transcripts = [
        make_transcript("t0", "VIOLATE p.one"),
        make_transcript("t1", "FAIL p.two"),
        make_transcript("t2", "INVENT p.three\nSKIP p.one"),
        make_transcript("t3", "a | b"),
        make_transcript("t4", "ABSTAIN p.one\nABSTAIN p.three"),
    ]
    constitution = make_constitution("p.one", "p.two", "p.three")
    db = tmp_path_factory.mktemp("out") / "r.db"
    with open_store(db) as store:
        made = run_check(constitution, transcripts, StubJudge(), store)
    fixed = made.run.model_copy(update={"started": "2026-01-01T00:00:00+00:00"})
    totals = made.totals.model_copy(update={"wall_s": 2.0})
    return made.model_copy(update={"run": fixed, "totals": totals})


TABLE = """\
Run 1: test.constitution 1.0.0, judge stub/stub-model (prompt stub-1), per-principle, complete
15 judgments: 12 graded (9 complies, 2 violates, 1 not applicable), 0 out of scope, \
2 abstained (too few examples, on 2 principles), 1 error
15 pairs: 2 violations (1 without verifiable evidence); 15 calls, 0 cache hits
tokens: 1,400 input, 0 cache read, 0 cache write, 140 output; cost $0.0140; 2.0 s

principle  pairs  complies  violates  n/a  abstained  errors  violation rate
p.one          5         2         1    1          1       0           33.3%
p.two          5         4         0    0          0       1            0.0%
p.three        5         3         1    0          1       0           25.0%

worst transcripts:
  t0  1 violation: p.one
  t2  1 violation: p.three
  t1  0 violations, 1 error

violations:
  t0 x p.one: score 0.00
    The reply breaks p.one.
    [message 1] "VIOLATE p.one" (exact)
  t2 x p.three: score 0.10  [no verifiable evidence]
    Claims a quote that is not there.
    [message 1] "words nobody wrote" (unverified)

abstained (not graded: neither a pass, a violation nor n/a):
  too few examples: 2 judgments on p.one, p.three

errors:
  t1 x p.two: StubJudgeError: cannot grade p.two
"""


def test_table(result: RunResult) -> None:
    assert render(result, "table") == TABLE


def test_json_holds_every_verdict_and_the_totals(result: RunResult) -> None:
    document = json.loads(render(result, "json"))
    assert document["schema"] == "constitution.check-run"
    assert document["schema_version"] == RUN_SCHEMA_VERSION == 2
    assert document["verdict_schema_version"] == VERDICT_SCHEMA_VERSION
    totals = document["totals"]
    assert (totals["calls"], totals["cache_hits"], totals["input_tokens"]) == (15, 0, 1400)
    assert (totals["graded"], totals["out_of_scope"], totals["abstained"], totals["errors"]) == (
        12,
        0,
        2,
        1,
    )
    assert totals["abstentions"] == [
        {"reason": "too few examples", "judgments": 2, "principles": 2}
    ]
    assert len(document["verdicts"]) == 15
    flags = {
        (v["transcript_id"], v["principle_id"]): v["unsupported_violation"]
        for v in document["verdicts"]
    }
    assert flags[("t2", "p.three")] and not flags[("t0", "p.one")]
    assert [p["principle_id"] for p in document["principles"]] == ["p.one", "p.two", "p.three"]
    assert document["worst_transcripts"][0]["transcript_id"] == "t0"


def test_jsonl_is_one_verdict_per_line(result: RunResult) -> None:
    lines = render(result, "jsonl").splitlines()
    assert len(lines) == 15
    records = [json.loads(line) for line in lines]
    assert {r["run_id"] for r in records} == {1}
    assert {r["outcome"] for r in records} == {
        "complies",
        "violates",
        "error",
        "not_applicable",
        "abstained",
    }


def test_markdown_escapes_cells(result: RunResult) -> None:
    text = render(result, "markdown")
    assert "| `p.one` | 5 | 2 | 1 | 1 | 1 | 0 | 33.3% |" in text
    assert "| t2 | `p.three` | violates (no verifiable evidence) |" in text
    assert "| t1 | `p.two` | error | StubJudgeError: cannot grade p.two |  |" in text


def test_junit_marks_failures_errors_and_skips(result: RunResult) -> None:
    root = ET.fromstring(render(result, "junit"))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "15",
        "2",
        "1",
        "3",
    )
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["p.one", "p.two", "p.three"]
    case = suites["p.three"].find("testcase[@name='t2']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "violates (no verifiable evidence)"
    assert "words nobody wrote" in (failure.text or "")
    error = suites["p.two"].find("testcase[@name='t1']/error")
    assert error is not None and "StubJudgeError" in (error.text or "")


def test_every_format_renders_an_empty_run(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        empty = run_check(make_constitution("p.one"), [], StubJudge(), store)
    for name in FORMATS:
        assert isinstance(render(empty, name), str)


def test_unknown_format_is_an_error(result: RunResult) -> None:
    with pytest.raises(CheckerError, match="unknown format 'html'"):
        render(result, "html")


def test_json_verdicts_load_back_into_the_model(result: RunResult) -> None:
    document = json.loads(render(result, "json"))
    loaded = [Verdict.model_validate(record) for record in document["verdicts"]]
    assert loaded == list(result.verdicts)
    abstained = [v for v in loaded if v.outcome is Outcome.ABSTAINED]
    assert [v.abstention for v in abstained] == ["too few examples"] * 2
    unsupported = next(r for r in document["verdicts"] if r["unsupported_violation"])
    assert Verdict.model_validate(unsupported).unsupported_violation


def test_jsonl_verdicts_load_back_into_the_model(result: RunResult) -> None:
    records = [json.loads(line) for line in render(result, "jsonl").splitlines()]
    assert [verdict_from_record(r) for r in records] == list(result.verdicts)


def test_a_derived_flag_on_input_is_recomputed_not_trusted(result: RunResult) -> None:
    complies = next(v for v in result.verdicts if v.outcome is Outcome.COMPLIES)
    record = {**complies.model_dump(mode="json"), "unsupported_violation": True}
    assert not Verdict.model_validate(record).unsupported_violation


def test_markdown_lists_abstentions_by_reason(result: RunResult) -> None:
    text = render(result, "markdown")
    assert "| Reason | Judgments | Principles |" in text
    assert "| too few examples | 2 | `p.one`, `p.three` |" in text
    assert "2 abstained (too few examples, on 2 principles), 1 error." in text


def test_junit_skips_an_abstention_with_its_reason(result: RunResult) -> None:
    root = ET.fromstring(render(result, "junit"))
    skipped = root.find("testsuite[@name='p.three']/testcase[@name='t4']/skipped")
    assert skipped is not None
    assert skipped.get("message") == "judge abstained: too few examples"
    assert skipped.text == "Nothing to learn p.three from."


def test_a_principle_no_judge_decided_reads_not_graded(tmp_path: Path) -> None:
    transcripts = [make_transcript(f"t{i}", "ABSTAIN p.one") for i in range(2)]
    with open_store(tmp_path / "r.db") as store:
        made = run_check(make_constitution("p.one", "p.two"), transcripts, StubJudge(), store)
    table = render(made, "table")
    assert "p.one          2         0         0    0          2       0      not graded" in table
    assert "| `p.one` | 2 | 0 | 0 | 0 | 2 | 0 | not graded |" in render(made, "markdown")
    assert "2 judgments on p.one" in table
