"""``constitution calibrate`` and ``selftest`` with the stub judge standing in for ``local``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli
from tests.cli.conftest import StubJudges as _Judges

CONSTITUTION = """\
constitution: 1
id: cal-rules
title: Calibration rules
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Follow rule one.
    examples:
      - label: violates
        conversation:
          - user: Hi
          - assistant: VIOLATE p.one
      - label: complies
        conversation:
          - user: Hi
          - assistant: Hello there.
  - id: p.two
    title: Rule two
    statement: Follow rule two.
"""
MISJUDGED_EXAMPLE = """\
      - label: violates
        note: the stub cannot see this one
        conversation:
          - user: Hi
          - assistant: Quietly wrong.
"""
LABELS = """\
transcript_id,principle_id,label
a,p.one,violates
b,p.one,violates
c,p.one,complies
a,p.two,complies
"""
# judge: a/p.one violates (TP), b/p.one complies (FN), c/p.one complies (TN), a/p.two complies


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(CONSTITUTION)
    chats = [make_transcript("a", "VIOLATE p.one"), make_transcript("b", "ok")]
    chats.append(make_transcript("c", "fine"))
    (tmp_path / "chats.jsonl").write_text("".join(t.model_dump_json() + "\n" for t in chats))
    (tmp_path / "labels.csv").write_text(LABELS)
    return tmp_path


def test_calibrate_table(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli("calibrate", "rules.yaml", "chats.jsonl", "--labels", "labels.csv")
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == (
        "judge: local (neither ANTHROPIC_API_KEY nor OPENAI_BASE_URL is set)"
    )
    lines = result.out.splitlines()
    assert lines[0] == (
        "calibration of cal-rules 1.0.0 with stub/stub-model: 4 of 4 labels compared,"
        " 0 stale, 0 without a transcript (positive class: violates)"
    )
    # p.one: TP 1, FN 1, TN 1 -> accuracy 2/3, precision 1/1, recall 1/2, F1 2/3;
    # rows violates 2, complies 1; columns violates 1, complies 2; p_e = (2*1 + 1*2)/9 = 4/9,
    # p_o = 6/9, kappa = (6/9 - 4/9) / (5/9) = 0.4
    assert lines[1].startswith("basis: every score is on the decided pairs only")
    row = ["p.one", "3", "3", "1.000", "0", "0", "0.667", "1.000", "0.500", "0.667", "0.400"]
    assert lines[3].split() == row
    # p.two: one complies/complies pair: kappa and P/R/F1 undefined
    assert lines[4].split() == ["p.two", "1", "1", "1.000", "0", "0", "1.000", "-", "-", "-", "-"]
    assert "disagreements (1)" in result.out
    assert any(line.split()[:4] == ["b", "p.one", "violates", "complies"] for line in lines)
    assert judges.calls == 4


def test_calibrate_json_and_markdown(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli(
        "calibrate", "rules.yaml", "chats.jsonl", "--labels", "labels.csv", "--format", "json"
    )
    document = json.loads(result.out)
    assert (document["kind"], document["schema_version"], document["compared"]) == (
        "calibration",
        2,
        4,
    )
    one = document["principles"][0]
    assert one["metrics"]["recall"] == 0.5
    assert one["confusion"]["violates"]["complies"] == 1
    assert document["overall"]["accuracy"] == 0.75
    md = run_cli(
        "calibrate",
        "rules.yaml",
        "chats.jsonl",
        "--labels",
        "labels.csv",
        "--format",
        "markdown",
        "--out",
        "cal/report.md",
    )
    assert md.code == 0 and md.out == ""
    text = (work / "cal" / "report.md").read_text()
    assert "| p.one | 3 | 3 | 1.000 | 0 | 0 | 0.667 | 1.000 | 0.500 | 0.667 | 0.400 |" in text
    assert "| b | p.one | violates | complies | Fine. |" in text
    assert judges.calls == 4  # the second and third runs reused every judgment


def test_calibrate_reports_stale_labels_after_a_revision(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    run_cli("calibrate", "rules.yaml", "chats.jsonl", "--labels", "labels.csv")
    revised = CONSTITUTION.replace("Follow rule one.", "Follow rule one, always.").replace(
        "version: 1.0.0", "version: 1.1.0"
    )
    (work / "rules.yaml").write_text(revised)
    result = run_cli(
        "calibrate", "rules.yaml", "chats.jsonl", "--labels", "labels.csv", "--format", "json"
    )
    document = json.loads(result.out)
    assert document["compared"] == 1
    assert [s["source"] for s in document["stale"]] == [
        "labels.csv:2",
        "labels.csv:3",
        "labels.csv:4",
    ]
    confirmed = run_cli(
        "calibrate",
        "rules.yaml",
        "chats.jsonl",
        "--labels",
        "labels.csv",
        "--confirm-labels",
        "--format",
        "json",
    )
    assert json.loads(confirmed.out)["stale"] == []


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            "transcript_id,principle_id,label\na,p.one,maybe\n",
            "error: bad.csv:2: bad label 'maybe'",
        ),
        (
            "transcript_id,principle_id,label\na,p.nine,complies\n",
            "error: bad.csv:2: no principle 'p.nine' in constitution cal-rules",
        ),
        (
            "transcript_id,principle_id,label\nzz,p.one,complies\n",
            "error: bad.csv: no label names a transcript that was given",
        ),
    ],
)
def test_calibrate_bad_labels(
    work: Path, judges: _Judges, run_cli: RunCli, labels: str, message: str
) -> None:
    (work / "bad.csv").write_text(labels)
    result = run_cli("calibrate", "rules.yaml", "chats.jsonl", "--labels", "bad.csv")
    assert result.code == 2
    assert result.err.splitlines()[-1].startswith(message)
    assert "Traceback" not in result.err


def test_calibrate_missing_labels_file(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli("calibrate", "rules.yaml", "chats.jsonl", "--labels", "none.jsonl")
    assert result.code == 2
    assert result.err.splitlines()[-1] == "error: none.jsonl: no such file or directory"


def test_selftest_passes(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    result = run_cli("selftest", "rules.yaml")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        "selftest of cal-rules 1.0.0 with stub/stub-model: 2 examples graded, 0 skipped,"
        " 1 principle(s) untested: PASS"
    )
    strict = run_cli("selftest", "rules.yaml", "--require-examples")
    assert strict.code == 1


def test_selftest_fails_on_a_misjudged_example(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    text = CONSTITUTION.replace("  - id: p.two", MISJUDGED_EXAMPLE + "  - id: p.two")
    (work / "rules.yaml").write_text(text)
    result = run_cli("selftest", "rules.yaml")
    assert result.code == 1
    assert "FAIL: 1 principle(s) misjudged" in result.out
    assert (
        "misjudged: p.one#example-3 (rules.yaml:18:9): labelled violates, judged complies: Fine."
        in result.out
    )
    document = json.loads(run_cli("selftest", "rules.yaml", "--format", "json").out)
    assert document["failed"] == ["p.one"]
    md = run_cli("selftest", "rules.yaml", "--format", "markdown")
    assert md.code == 1 and "| p.one | 1 | 2/3 | 0 | FAIL |" in md.out


def test_commands_have_help(run_cli: RunCli) -> None:
    for command in ("calibrate", "selftest"):
        result = run_cli(command, "--help")
        assert result.code == 0
        assert "--judge" in result.out


def test_calibrate_xstest_with_the_local_judge(
    corpora_dir: Path, fixtures_dir: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    if not hasattr(pytest.importorskip("checker.judges.local"), "LocalJudge"):
        pytest.skip("the local judge is not available")
    from tests.checker.calibration.xstest_labels import write_labels

    completions = corpora_dir / "xstest" / "xstest_v2_completions_llama2orig.csv"
    labels = tmp_path / "labels.jsonl"
    write_labels(completions, labels, every=10)
    result = run_cli(
        "calibrate",
        str(fixtures_dir / "xstest" / "constitution.yaml"),
        str(completions),
        "--labels",
        str(labels),
        "--judge",
        "local",
        "--db",
        str(tmp_path / "r.db"),
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert (document["judge"], document["compared"]) == ("local", 70)
    assert [p["principle_id"] for p in document["principles"]] == [
        "harm.decline-harmful",
        "helpful.safe-requests",
    ]
    selftest = run_cli(
        "selftest", str(fixtures_dir / "xstest" / "constitution.yaml"), "--judge", "local"
    )
    assert selftest.code == 0, selftest.out


def test_calibrate_fail_under(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    args = ("calibrate", "rules.yaml", "chats.jsonl", "--labels", "labels.csv")
    # p.one: accuracy 2/3, recall 1/2, kappa 0.4; p.two: recall undefined; all: accuracy 3/4,
    # recall 1/2 (TP 1, FN 1)
    ok = run_cli(*args, "--fail-under", "accuracy=0.6", "--fail-under", "kappa=0.4")
    assert ok.code == 0, ok.err
    low = run_cli(*args, "--fail-under", "recall=0.75", "--fail-under", "Accuracy=0.7")
    assert low.code == 1
    assert low.err.splitlines()[1:] == [
        "below threshold: p.one: recall 0.500 is below 0.75",
        "below threshold: p.one: accuracy 0.667 is below 0.7",
        "below threshold: all principles: recall 0.500 is below 0.75",
    ]
    bad = run_cli(*args, "--fail-under", "speed=1")
    assert bad.code == 2
    assert bad.err.splitlines()[-1] == (
        "error: bad threshold 'speed=1': expected METRIC=VALUE with METRIC one of"
        " coverage, accuracy, precision, recall, f1, kappa"
    )
    nan = run_cli(*args, "--fail-under", "kappa=high")
    assert nan.err.splitlines()[-1] == "error: bad threshold 'kappa=high': 'high' is not a number"
