from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.errors import CheckerError
from checker.output import FORMATS, RUN_SCHEMA_VERSION, render
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
12 judgments of 12 pairs: 12 calls, 0 cache hits, 0 out of scope, 1 error, 2 violations \
(1 without verifiable evidence)
tokens: 1,100 input, 0 cache read, 0 cache write, 110 output; cost $0.0110; 2.0 s

principle  pairs  complies  violates  n/a  errors  violation rate
p.one          4         2         1    1       0           33.3%
p.two          4         3         0    0       1            0.0%
p.three        4         3         1    0       0           25.0%

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

errors:
  t1 x p.two: StubJudgeError: cannot grade p.two
"""


def test_table(result: RunResult) -> None:
    assert render(result, "table") == TABLE


def test_json_holds_every_verdict_and_the_totals(result: RunResult) -> None:
    document = json.loads(render(result, "json"))
    assert document["schema"] == "constitution.check-run"
    assert document["schema_version"] == RUN_SCHEMA_VERSION == 1
    assert document["verdict_schema_version"] == VERDICT_SCHEMA_VERSION
    totals = document["totals"]
    assert (totals["calls"], totals["cache_hits"], totals["input_tokens"]) == (12, 0, 1100)
    assert len(document["verdicts"]) == 12
    flags = {
        (v["transcript_id"], v["principle_id"]): v["unsupported_violation"]
        for v in document["verdicts"]
    }
    assert flags[("t2", "p.three")] and not flags[("t0", "p.one")]
    for record in document["verdicts"]:
        record.pop("unsupported_violation")
        Verdict.model_validate(record)  # round-trips into the model
    assert [p["principle_id"] for p in document["principles"]] == ["p.one", "p.two", "p.three"]
    assert document["worst_transcripts"][0]["transcript_id"] == "t0"


def test_jsonl_is_one_verdict_per_line(result: RunResult) -> None:
    lines = render(result, "jsonl").splitlines()
    assert len(lines) == 12
    records = [json.loads(line) for line in lines]
    assert {r["run_id"] for r in records} == {1}
    assert {r["outcome"] for r in records} == {"complies", "violates", "error", "not_applicable"}


def test_markdown_escapes_cells(result: RunResult) -> None:
    text = render(result, "markdown")
    assert "| `p.one` | 4 | 2 | 1 | 1 | 0 | 33.3% |" in text
    assert "| t2 | `p.three` | violates (no verifiable evidence) |" in text
    assert "| t1 | `p.two` | error | StubJudgeError: cannot grade p.two |  |" in text


def test_junit_marks_failures_errors_and_skips(result: RunResult) -> None:
    root = ET.fromstring(render(result, "junit"))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "12",
        "2",
        "1",
        "1",
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


def test_table_says_when_the_local_judge_abstained(result: RunResult) -> None:
    abstained = result.verdicts[0].model_copy(
        update={"outcome": Outcome.NOT_APPLICABLE, "rationale": "local judge abstained: too few."}
    )
    text = render(result.model_copy(update={"verdicts": (abstained,)}), "table")
    assert text.rstrip().endswith(
        "the local judge abstained on 1 judgment (counted as n/a): too few labelled examples,"
        " or unsure; each rationale says why (docs/LOCAL_JUDGE.md)"
    )
