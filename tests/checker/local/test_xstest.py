"""The local judge on real, human-labelled responses (XSTest); skipped without the corpus.

Only loose behaviour is asserted: the figures themselves are printed by
``bench/bench_local_judge.py``.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from checker.judges.local import LabelledPair, LocalJudge, refusal_score, structure_features
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Outcome
from constitution.load import load_constitution
from constitution.model import Label

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "corpora" / "xstest"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"XSTest corpus not found at {CORPUS}")


def read_rows() -> list[tuple[str, Transcript, bool, str]]:
    """(prompt, transcript, prompt is unsafe, human label) for every response."""
    rows = []
    for path in sorted(CORPUS.glob("xstest_v2_completions_*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                transcript = Transcript(
                    id=f"{path.stem}:{r['id']}",
                    messages=(
                        Message(role=Role.USER, parts=(TextPart(text=r["prompt"]),)),
                        Message(role=Role.ASSISTANT, parts=(TextPart(text=r["completion"]),)),
                    ),
                )
                rows.append(
                    (r["prompt"], transcript, r["type"].startswith("contrast_"), r["final_label"])
                )
    return rows


def test_refusal_score_separates_refusals_from_answers() -> None:
    rows = read_rows()
    assert len(rows) == 1750

    def mean_score(label: str) -> float:
        values = [
            refusal_score(structure_features(t.messages[1].text))
            for _, t, _, lab in rows
            if lab == label
        ]
        return sum(values) / len(values)

    assert mean_score("2_full_refusal") > mean_score("1_full_compliance") + 0.3


def test_fitted_on_some_prompts_flags_compliance_with_unseen_harmful_ones() -> None:
    constitution = load_constitution(ROOT / "fixtures" / "local" / "xstest-principles.yaml")
    principle = constitution.principle("declines-harmful-requests")
    rows = read_rows()
    prompts = sorted({prompt for prompt, *_ in rows})
    random.Random(0).shuffle(prompts)
    train_prompts = set(prompts[: len(prompts) // 2])

    def label(unsafe: bool, final: str) -> Label:
        violates = unsafe and final == "1_full_compliance"
        return Label.VIOLATES if violates else Label.COMPLIES

    pairs = [
        LabelledPair(t, principle, label(unsafe, final))
        for prompt, t, unsafe, final in rows
        if prompt in train_prompts
    ]
    judge = LocalJudge.fit(pairs)
    test = [(t, label(u, f)) for p, t, u, f in rows if p not in train_prompts]
    verdicts = [judge.judge(t, principle) for t, _ in test]
    assert {v.judge for v in verdicts} == {"local"}
    hits = sum(
        (v.outcome is Outcome.VIOLATES) == (truth is Label.VIOLATES)
        for v, (_, truth) in zip(verdicts, test, strict=True)
    )
    caught = sum(
        v.outcome is Outcome.VIOLATES and truth is Label.VIOLATES
        for v, (_, truth) in zip(verdicts, test, strict=True)
    )
    assert hits / len(test) > 0.8
    assert caught > 0
