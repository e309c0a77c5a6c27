"""Calibrate against the stub judge: figures computed by hand, only labelled pairs graded,
stale labels caught after a revision."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.calibration import calibrate, calibration_json, calibration_markdown, parse_labels
from checker.calibration.labels import HumanLabel, LabelError
from checker.errors import CheckerError
from checker.store import Store, open_store
from constitution.model import Constitution
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript

# The stub judge says `violates` for "VIOLATE <id>", `not_applicable` for "SKIP <id>",
# else `complies`.
TRANSCRIPTS = [
    make_transcript("t1", "VIOLATE p.one"),
    make_transcript("t2", "All good."),
    make_transcript("t3", "SKIP p.two\nVIOLATE p.one"),
    make_transcript("t4", "VIOLATE p.two"),
    make_transcript("t5", "Never labelled."),
]
# transcript, principle, human label            judge says
LABELS_CSV = """transcript_id,principle_id,label
t1,p.one,violates
t2,p.one,violates
t3,p.one,complies
t4,p.one,complies
t1,p.two,not_applicable
t3,p.two,not_applicable
t4,p.two,violates
t9,p.one,complies
"""
#  t1 p.one violates  -> violates  TP
#  t2 p.one violates  -> complies  FN
#  t3 p.one complies  -> violates  FP
#  t4 p.one complies  -> complies  TN
#  t1 p.two n/a       -> complies  (disagree, a negative either way)
#  t3 p.two n/a       -> n/a
#  t4 p.two violates  -> violates  TP
#  t9: no such transcript (unmatched)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "results.db") as opened:
        yield opened


def _labels(text: str = LABELS_CSV) -> list[HumanLabel]:
    return parse_labels(text, source="labels.csv")


def test_figures_by_hand(store: Store) -> None:
    judge = StubJudge()
    rules = make_constitution("p.one", "p.two")
    report = calibrate(rules, TRANSCRIPTS, _labels(), judge, store)
    assert (report.labels, report.compared) == (8, 7)
    assert [(u.transcript_id, u.source) for u in report.unmatched] == [("t9", "labels.csv:9")]
    one, two = report.principles
    # p.one: TP 1, FP 1, FN 1, TN 1 -> accuracy 2/4, precision 1/2, recall 1/2, F1 2/4;
    # rows violates 2, complies 2; columns violates 2, complies 2:
    # p_e = (2*2 + 2*2)/16 = 0.5, p_o = 0.5, kappa = 0
    m = one.metrics
    assert (m.true_positives, m.false_positives, m.false_negatives, m.true_negatives) == (
        1,
        1,
        1,
        1,
    )
    assert (m.accuracy, m.precision, m.recall, m.f1) == (0.5, 0.5, 0.5, 0.5)
    assert m.kappa == pytest.approx(0.0)
    assert one.confusion["violates"] == {
        "complies": 1,
        "violates": 1,
        "not_applicable": 0,
        "abstained": 0,
        "error": 0,
    }
    # p.two: n/a->complies, n/a->n/a, violates->violates: accuracy 2/3; TP 1, FP 0, FN 0;
    # rows complies 0, violates 1, n/a 2; columns complies 1, violates 1, n/a 1; n = 3
    # p_e = (0*1 + 1*1 + 2*1)/9 = 3/9; p_o = 6/9; kappa = (6/9 - 3/9)/(1 - 3/9) = 0.5
    m = two.metrics
    assert m.accuracy == pytest.approx(2 / 3)
    assert (m.precision, m.recall, m.f1) == (1.0, 1.0, 1.0)
    assert m.kappa == pytest.approx(0.5)
    # all 7: agreed 4 -> 4/7; TP 2, FP 1, FN 1 -> P = R = F1 = 2/3
    # rows complies 2, violates 3, n/a 2; columns complies 3, violates 3, n/a 1
    # p_e = (2*3 + 3*3 + 2*1)/49 = 17/49; p_o = 28/49; kappa = 11/32
    o = report.overall
    assert o.accuracy == pytest.approx(4 / 7)
    assert (o.precision, o.recall, o.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert o.kappa == pytest.approx(11 / 32)
    # where the human says the principle applies: p.one has no n/a label, so the same;
    # p.two keeps t4 alone (violates -> violates): all 1, kappa undefined (one class)
    assert one.applicable == one.metrics
    assert (two.applicable.scored, two.applicable.accuracy, two.applicable.kappa) == (1, 1.0, None)
    # overall: 5 pairs, agreed 3; TP 2, FP 1, FN 1; rows C 2, V 3; columns C 2, V 3
    # p_e = (2*2 + 3*3)/25 = 13/25, p_o = 15/25, kappa = 2/12
    a = report.overall_applicable
    assert (a.scored, a.accuracy, a.precision, a.recall) == pytest.approx((5, 0.6, 2 / 3, 2 / 3))
    assert a.kappa == pytest.approx(1 / 6)
    assert [(d.transcript_id, d.principle_id, d.human, d.judge) for d in report.disagreements] == [
        ("t2", "p.one", "violates", "complies"),
        ("t3", "p.one", "complies", "violates"),
        ("t1", "p.two", "not_applicable", "complies"),
    ]
    assert report.disagreements[1].rationale == "The reply breaks p.one."
    assert report.disagreements[1].evidence == ("VIOLATE p.one",)
    assert report.disagreements[0].label_source == "labels.csv:3"


def test_only_labelled_pairs_are_graded_and_once(store: Store) -> None:
    judge = StubJudge()
    rules = make_constitution("p.one", "p.two", "p.three")
    first = calibrate(rules, TRANSCRIPTS, _labels(), judge, store)
    assert sorted(judge.calls) == sorted(
        [
            ("t1", "p.one", 0),
            ("t2", "p.one", 0),
            ("t3", "p.one", 0),
            ("t4", "p.one", 0),
            ("t1", "p.two", 0),
            ("t3", "p.two", 0),
            ("t4", "p.two", 0),
        ]
    )
    again = calibrate(rules, TRANSCRIPTS, _labels(), judge, store)
    assert len(judge.calls) == 7  # every judgment came from the store
    assert again.overall == first.overall
    assert len(first.runs) == 2  # t2 is labelled for p.one only: a run of its own


def test_samples_majority_and_unstable(store: Store) -> None:
    judge = StubJudge()
    rules = make_constitution("p.one")
    transcripts = [make_transcript("a", "FLIP p.one"), make_transcript("b", "ok")]
    labels = parse_labels(
        '{"transcript_id": "a", "principle_id": "p.one", "label": "violates"}\n'
        '{"transcript_id": "b", "principle_id": "p.one", "label": "complies"}\n',
        source="l.jsonl",
    )
    # FLIP: sample 0 complies, 1 violates, 2 complies -> majority complies, agreement 2/3
    report = calibrate(rules, transcripts, labels, judge, store, samples=3)
    assert report.unstable == 1
    (d,) = report.disagreements
    assert (d.judge, d.agreement) == ("complies", pytest.approx(2 / 3))
    assert len(judge.calls) == 6


def _revised(rules: Constitution, principle_id: str) -> Constitution:
    principles = tuple(
        p.model_copy(update={"statement": p.statement + " Even on weekends.", "version": 2})
        if p.id == principle_id
        else p
        for p in rules.principles
    )
    return rules.model_copy(update={"principles": principles, "version": "1.1.0"})


def test_labels_made_for_an_older_revision_are_stale(store: Store) -> None:
    judge = StubJudge()
    v1 = make_constitution("p.one", "p.two")
    calibrate(v1, TRANSCRIPTS, _labels(), judge, store)
    v2 = _revised(v1, "p.one")
    report = calibrate(v2, TRANSCRIPTS, _labels(), judge, store)
    assert report.compared == 3
    assert [p.principle_id for p in report.principles] == ["p.two"]
    assert [(s.transcript_id, s.principle_id, s.source) for s in report.stale] == [
        ("t1", "p.one", "labels.csv:2"),
        ("t2", "p.one", "labels.csv:3"),
        ("t3", "p.one", "labels.csv:4"),
        ("t4", "p.one", "labels.csv:5"),
    ]
    old, new = v1.principle("p.one").content_hash(), v2.principle("p.one").content_hash()
    assert report.stale[0].reason == (
        f"labelled for version 1 ({old[:12]}); the principle is now version 2 ({new[:12]}):"
        " check the label, then confirm it (--confirm-labels)"
    )
    # a label changed since is a fresh judgment of the new revision
    changed = _labels(LABELS_CSV.replace("t2,p.one,violates", "t2,p.one,complies"))
    report = calibrate(v2, TRANSCRIPTS, changed, judge, store)
    assert [s.transcript_id for s in report.stale] == ["t1", "t3", "t4"]
    # confirming re-stamps them; afterwards they count without confirmation
    assert calibrate(v2, TRANSCRIPTS, _labels(), judge, store, confirm_labels=True).stale == ()
    assert calibrate(v2, TRANSCRIPTS, _labels(), judge, store).stale == ()


def test_stamps_in_the_labels_file(store: Store) -> None:
    judge = StubJudge()
    v2 = _revised(make_constitution("p.one"), "p.one")
    digest = v2.principle("p.one").content_hash()
    labels = parse_labels(
        "transcript_id,principle_id,label,principle_version,principle_hash\n"
        "t1,p.one,violates,1,\n"
        "t2,p.one,complies,2,\n"
        f"t3,p.one,violates,,{digest[:10]}\n"
        "t4,p.one,complies,,0123456789abcdef\n",
        source="stamped.csv",
    )
    report = calibrate(v2, TRANSCRIPTS, labels, judge, store)
    assert [s.transcript_id for s in report.stale] == ["t1", "t4"]
    assert report.stale[0].reason.startswith(
        "labelled for version 1; the principle is now version 2"
    )
    assert report.stale[1].reason.startswith("labelled for principle hash 0123456789ab;")
    assert report.compared == 2


def test_removed_and_unknown_principles(store: Store) -> None:
    judge = StubJudge()
    both = make_constitution("p.one", "p.two")
    calibrate(both, TRANSCRIPTS, _labels(), judge, store)
    only_one = make_constitution("p.one")
    report = calibrate(only_one, TRANSCRIPTS, _labels(), judge, store)
    assert {s.reason for s in report.stale} == {
        "principle 'p.two' is no longer in the constitution"
    }
    typo = _labels(LABELS_CSV + "t1,p.tow,complies\n")
    with pytest.raises(LabelError) as caught:
        calibrate(both, TRANSCRIPTS, typo, judge, store)
    assert str(caught.value) == (
        "labels.csv:10: no principle 'p.tow' in constitution test.constitution"
        " (known: p.one, p.two)"
    )


def test_nothing_to_compare(store: Store) -> None:
    rules = make_constitution("p.one")
    labels = parse_labels("transcript_id,principle_id,label\nzz,p.one,complies\n", source="l.csv")
    with pytest.raises(CheckerError, match=r"l\.csv: no label names a transcript that was given"):
        calibrate(rules, TRANSCRIPTS, labels, StubJudge(), store)
    twice = [make_transcript("t1", "a"), make_transcript("t1", "b")]
    labels = parse_labels("transcript_id,principle_id,label\nt1,p.one,complies\n", source="l.csv")
    with pytest.raises(CheckerError, match="transcript 't1' occurs more than once"):
        calibrate(rules, twice, labels, StubJudge(), store)


def test_judge_errors_are_counted_not_scored(store: Store) -> None:
    rules = make_constitution("p.one")
    transcripts = [make_transcript("a", "FAIL p.one"), make_transcript("b", "ok")]
    labels = parse_labels(
        "transcript_id,principle_id,label\na,p.one,complies\nb,p.one,complies\n", source="l.csv"
    )
    report = calibrate(rules, transcripts, labels, StubJudge(), store)
    assert (report.overall.pairs, report.overall.errors, report.overall.accuracy) == (2, 1, 1.0)
    (d,) = report.disagreements
    assert d.judge == "error"
    assert "cannot grade p.one" in d.rationale


def test_progress_counts_every_run(store: Store) -> None:
    seen: list[tuple[int, int]] = []
    rules = make_constitution("p.one", "p.two")
    calibrate(
        rules,
        TRANSCRIPTS,
        _labels(),
        StubJudge(),
        store,
        progress=lambda s: seen.append((s.done, s.total)),
    )
    # two runs (t2 alone for p.one; t1, t3, t4 for both): 7 judgments in all
    assert {total for _, total in seen} == {7}
    assert seen[-1] == (7, 7)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_abstentions_lower_coverage_not_accuracy(store: Store) -> None:
    rules = make_constitution("p.one")
    transcripts = [
        make_transcript("a", "ABSTAIN p.one"),
        make_transcript("b", "VIOLATE p.one"),
        make_transcript("c", "ok"),
        make_transcript("d", "ABSTAIN p.one"),
    ]
    labels = parse_labels(
        "transcript_id,principle_id,label\n"
        "a,p.one,violates\nb,p.one,violates\nc,p.one,complies\nd,p.one,not_applicable\n",
        source="l.csv",
    )
    report = calibrate(rules, transcripts, labels, StubJudge(), store)
    o = report.overall
    assert (o.pairs, o.scored, o.abstained, o.coverage) == (4, 2, 2, 0.5)
    assert (o.accuracy, o.precision, o.recall, o.f1, o.kappa) == (1.0, 1.0, 1.0, 1.0, 1.0)
    a = report.overall_applicable  # d (labelled n/a) is out; a abstained is left out too
    assert (a.pairs, a.scored, a.abstained, a.coverage, a.accuracy) == (3, 2, 1, 2 / 3, 1.0)
    assert report.overall_confusion["violates"]["abstained"] == 1
    assert report.disagreements == ()
    document = json.loads(calibration_json(report))
    assert document["schema_version"] == 2
    assert document["overall"]["coverage"] == 0.5
    markdown = calibration_markdown(report)
    assert "Basis: every score is on the decided pairs only" in markdown
    assert "| **all** | 4 | 2 | 0.500 | 2 | 0 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 |" in markdown


def test_a_calibration_the_spending_cap_would_leave_incomplete_stops(store: Store) -> None:
    judge = StubJudge()  # $0.001 a call
    rules = make_constitution("p.one", "p.two", "p.three")
    with pytest.raises(CheckerError) as caught:
        calibrate(rules, TRANSCRIPTS, _labels(), judge, store, concurrency=1, max_cost=0.0025)
    message = str(caught.value)
    assert "reached the cap" in message and "the calibration would be incomplete" in message
    assert len(judge.calls) == 3
    again = calibrate(rules, TRANSCRIPTS, _labels(), judge, store, max_cost=1.0)
    assert len(judge.calls) == 7  # the three finished were reused
    assert again.overall is not None
