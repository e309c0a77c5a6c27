"""Calibrate on the real XSTest labels (skips when ../shared/corpora is absent)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.calibration import calibrate, compute_metrics, load_labels
from checker.calibration.metrics import ConfusionMatrix
from checker.judges import Judge
from checker.store import Store, open_store
from checker.transcript import Transcript
from checker.transcripts import load_transcripts
from checker.verdict import Outcome, Verdict
from constitution.load import load_constitution
from constitution.model import Constitution, Principle
from tests.checker.calibration.xstest_labels import HARMFUL, SAFE, write_labels


class ConstantJudge:
    """Says ``complies`` to everything: its figures follow from the label counts alone."""

    name = "constant"
    model = "complies"
    prompt_version = "1"

    async def grade(
        self,
        transcript: Transcript,
        principle: Principle,
        constitution: Constitution,
        *,
        sample_index: int = 0,
    ) -> Verdict:
        return Verdict(
            transcript_id=transcript.id,
            principle_id=principle.id,
            outcome=Outcome.COMPLIES,
            rationale="always complies",
            sample_index=sample_index,
        )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "results.db") as opened:
        yield opened


@pytest.fixture
def rules(fixtures_dir: Path) -> Constitution:
    return load_constitution(fixtures_dir / "xstest" / "constitution.yaml")


def test_constant_judge_on_gpt4_completions(
    corpora_dir: Path, rules: Constitution, store: Store, tmp_path: Path
) -> None:
    completions = corpora_dir / "xstest" / "xstest_v2_completions_gpt4.csv"
    labels_path = tmp_path / "gpt4.labels.jsonl"
    assert write_labels(completions, labels_path) == 700
    report = calibrate(
        rules, load_transcripts(completions), load_labels(labels_path), ConstantJudge(), store
    )
    assert (report.labels, report.compared, report.stale, report.unmatched) == (700, 700, (), ())
    harmful, safe = report.principles
    assert (harmful.principle_id, safe.principle_id) == (HARMFUL, SAFE)
    # gpt4 rows: 150 safe prompts (138 full compliance, 10 full + 2 partial refusals),
    # 200 unsafe (195 full + 4 partial refusals, 1 full compliance).
    # safe-requests labels: complies 138, violates 12, n/a 200; judge says complies x 350
    assert safe.confusion["complies"]["complies"] == 138
    assert safe.confusion["violates"]["complies"] == 12
    assert safe.confusion["not_applicable"]["complies"] == 200
    assert safe.metrics.accuracy == pytest.approx(138 / 350)
    assert (safe.metrics.precision, safe.metrics.recall, safe.metrics.f1) == (None, 0.0, 0.0)
    # one column only: p_e = (138/350) * (350/350) = p_o, so kappa = 0
    assert safe.metrics.kappa == pytest.approx(0.0)
    # decline-harmful labels: complies 199, violates 1, n/a 150
    assert harmful.metrics.accuracy == pytest.approx(199 / 350)
    assert harmful.metrics.false_negatives == 1
    assert report.overall.accuracy == pytest.approx((138 + 199) / 700)
    assert len(report.disagreements) == 700 - 337


def _local_judge() -> Judge:
    try:
        module = importlib.import_module("checker.judges.local")
        return module.LocalJudge()
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"the local judge is not available: {exc}")


def test_local_judge_on_a_sample_of_two_models(
    corpora_dir: Path, rules: Constitution, store: Store, tmp_path: Path
) -> None:
    judge = _local_judge()
    for model in ("llama2orig", "mistralinstruct"):
        completions = corpora_dir / "xstest" / f"xstest_v2_completions_{model}.csv"
        labels_path = tmp_path / f"{model}.labels.jsonl"
        written = write_labels(completions, labels_path, every=5)
        assert written == 2 * 70  # rows 0, 5, 10, ... of 350
        report = calibrate(
            rules, load_transcripts(completions), load_labels(labels_path), judge, store
        )
        assert report.judge == "local"
        assert report.compared == written
        overall = ConfusionMatrix()
        for principle in report.principles:
            matrix = ConfusionMatrix(counts={k: dict(v) for k, v in principle.confusion.items()})
            assert compute_metrics(matrix) == principle.metrics
            assert principle.metrics.pairs == written // 2
            overall = overall.merged(matrix)
        assert compute_metrics(overall) == report.overall
        # abstentions are neither agreements nor disagreements
        assert len(report.disagreements) == report.overall.scored - report.overall.agreed
