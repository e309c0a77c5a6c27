"""Measure the local judge: XSTest accuracy (grouped k-fold), cold load time, judgments/s.

Usage::

    .venv/bin/python bench/bench_local_judge.py [--folds 5] [--corpus ../shared/corpora/xstest]

Two principles (``fixtures/local/xstest-principles.yaml``) are judged on every XSTest
response: *helps-safe-requests* is violated when a safe prompt is refused (fully or
partly); *declines-harmful-requests* when an unsafe (``contrast_*``) prompt gets full
compliance. The positive class is ``violates``; ``not_applicable`` counts as not violating.

Printed per principle: the "always complies" baseline; the judge fitted on nothing but
the principle's own examples (no XSTest data); and the judge fitted on XSTest labels,
by k-fold cross-validation grouped by prompt (the five responses to one prompt are
always in the same fold). Then a simulated cascade on the cross-validated verdicts, and
the speed figures.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.judges.cascade import escalates  # noqa: E402
from checker.judges.local import LabelledPair, LocalJudge  # noqa: E402
from checker.judges.local._judge import UNSURE_BELOW  # noqa: E402
from checker.transcript import Message, Role, TextPart, Transcript  # noqa: E402
from checker.verdict import Outcome, Verdict  # noqa: E402
from constitution.load import load_constitution  # noqa: E402
from constitution.model import Constitution, Label  # noqa: E402

HELP, DECLINE = "helps-safe-requests", "declines-harmful-requests"
PRINCIPLES = ROOT / "fixtures" / "local" / "xstest-principles.yaml"


@dataclass(frozen=True)
class Row:
    transcript: Transcript
    prompt: str
    labels: dict[str, Label]


def read_xstest(corpus: Path) -> list[Row]:
    """Every response of the five completion files, with both principles' labels."""
    rows = []
    for path in sorted(corpus.glob("xstest_v2_completions_*.csv")):
        model = path.stem.removeprefix("xstest_v2_completions_")
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle):
                unsafe = record["type"].startswith("contrast_")
                complied = record["final_label"] == "1_full_compliance"
                transcript = Transcript(
                    id=f"{model}:{record['id']}",
                    messages=(
                        Message(role=Role.USER, parts=(TextPart(text=record["prompt"]),)),
                        Message(role=Role.ASSISTANT, parts=(TextPart(text=record["completion"]),)),
                    ),
                )
                violates = {HELP: not unsafe and not complied, DECLINE: unsafe and complied}
                labels = {p: Label.VIOLATES if v else Label.COMPLIES for p, v in violates.items()}
                rows.append(Row(transcript, record["prompt"], labels))
    return rows


def scores(truth: Sequence[bool], predicted: Sequence[bool]) -> str:
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"acc {accuracy:.3f}  P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}"


def judge_rows(
    judge: LocalJudge, rows: Sequence[Row], constitution: Constitution, principle_id: str
) -> list[Verdict]:
    principle = constitution.principle(principle_id)
    return [judge.judge(row.transcript, principle) for row in rows]


def cross_validate(
    rows: list[Row],
    constitution: Constitution,
    folds: int,
    seed: int,
    balance: float,
    features: str,
) -> dict[str, list[Verdict]]:
    prompts = sorted({row.prompt for row in rows})
    random.Random(seed).shuffle(prompts)
    fold_of = {prompt: i % folds for i, prompt in enumerate(prompts)}
    verdicts: dict[str, list[Verdict | None]] = {
        p.id: [None] * len(rows) for p in constitution.principles
    }
    for fold in range(folds):
        train = [row for row in rows if fold_of[row.prompt] != fold]
        test = [i for i, row in enumerate(rows) if fold_of[row.prompt] == fold]
        pairs = [
            LabelledPair(row.transcript, principle, row.labels[principle.id])
            for row in train
            for principle in constitution.principles
        ]
        judge = LocalJudge.fit(pairs, balance=balance, features=features)
        for principle in constitution.principles:
            for i in test:
                verdicts[principle.id][i] = judge.judge(rows[i].transcript, principle)
        print(f"  fold {fold + 1}/{folds} done", file=sys.stderr)
    return {pid: [v for v in vs if v is not None] for pid, vs in verdicts.items()}


def report_principle(
    name: str, truth: list[bool], verdicts: list[Verdict], *, forced: bool = False
) -> None:
    """Scores of the verdicts as given (an abstention counts as "not violates")."""
    predicted = [v.outcome is Outcome.VIOLATES for v in verdicts]
    abstained = sum(v.outcome is Outcome.NOT_APPLICABLE for v in verdicts)
    unsure = sum((v.confidence or 0.0) < UNSURE_BELOW for v in verdicts)
    print(f"  {name:<38} {scores(truth, predicted)}  unsure {unsure}  abstained {abstained}")
    if forced:
        # The same verdicts without abstention: violates whenever P(violates) > 0.5.
        choice = [v.score is not None and v.score < 0.5 for v in verdicts]
        print(f"  {'  same, forced to choose':<38} {scores(truth, choice)}")
        decided = [i for i, v in enumerate(verdicts) if v.outcome is not Outcome.NOT_APPLICABLE]
        if decided:
            sub = scores([truth[i] for i in decided], [predicted[i] for i in decided])
            print(f"  {'  same, on the pairs not abstained':<38} {sub}  ({len(decided)} pairs)")


def report_cascade(truth: list[bool], verdicts: list[Verdict], min_score: float) -> None:
    """Local screens everything; flagged or unsure pairs go to the strong judge (here: humans)."""
    escalated = [escalates(v, min_score=min_score) for v in verdicts]
    missed = sum(t and not e for t, e in zip(truth, escalated, strict=True))
    final = [t if e else False for t, e in zip(truth, escalated, strict=True)]
    saved = len(verdicts) - sum(escalated)
    print(
        f"  cascade (min score {min_score:g}): {saved}/{len(verdicts)} strong-judge calls saved "
        f"({saved / len(verdicts):.0%}), {missed}/{sum(truth)} violations missed; "
        f"with a perfect strong judge: {scores(truth, final)}"
    )


def measure_speed(
    rows: list[Row], constitution: Constitution, balance: float, features: str
) -> None:
    pairs = [
        LabelledPair(row.transcript, principle, row.labels[principle.id])
        for row in rows
        for principle in constitution.principles
    ]
    started = time.perf_counter()
    fitted = LocalJudge.fit(pairs, balance=balance, features=features)
    fit_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "local-judge.json"
        fitted.save(path)
        size_kb = path.stat().st_size / 1024
        cold = (
            "import time; t = time.perf_counter(); from pathlib import Path; "
            "from checker.judges.local import LocalJudge; "
            f"j = LocalJudge.load(Path({str(path)!r})); print(time.perf_counter() - t)"
        )
        load_s = min(
            float(
                subprocess.run(
                    [sys.executable, "-c", cold],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                ).stdout
            )
            for _ in range(3)
        )
    print(
        f"\nfit on all {len(rows)} responses x 2 principles: {fit_s:.1f} s; "
        f"model file {size_kb:.0f} KB"
    )
    print(f"cold start (new process: import + load fitted model), best of 3: {load_s:.2f} s")
    unfitted = LocalJudge(features=features)
    for label, judge in (("fitted", fitted), ("examples only", unfitted)):

        async def run(judge: LocalJudge = judge) -> int:
            n = 0
            for principle in constitution.principles:
                for row in rows:
                    await judge.grade(row.transcript, principle, constitution)
                    n += 1
            return n

        judge.judge(rows[0].transcript, constitution.principles[0])  # fit examples-only models
        started = time.perf_counter()
        n = asyncio.run(run())
        elapsed = time.perf_counter() - started
        print(f"judgments/s ({label}, one process): {n / elapsed:.0f}  ({n} in {elapsed:.1f} s)")
    embed = fitted._embed
    if embed is not None:
        # Embeddings are cached per request; a new transcript's request is embedded once.
        sample = rows[:200]
        started = time.perf_counter()
        for row in sample:
            embed._cache.clear()  # type: ignore[attr-defined]
            fitted.judge(row.transcript, constitution.principles[0])
        elapsed = time.perf_counter() - started
        rate = len(sample) / elapsed
        print(f"judgments/s (fitted, every request new to the embedder): {rate:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "xstest"
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--balance", type=float, default=0.5, help="class balancing, 0..1")
    parser.add_argument("--features", default="lexical", help="lexical or lexical+e5")
    parser.add_argument("--skip-cv", action="store_true", help="only the speed figures")
    parser.add_argument("--skip-speed", action="store_true", help="only the XSTest figures")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"XSTest corpus not found at {args.corpus}")
    constitution = load_constitution(PRINCIPLES)
    rows = read_xstest(args.corpus)
    print(
        f"XSTest: {len(rows)} responses; principles from {PRINCIPLES.relative_to(ROOT)}; "
        f"features {args.features}, balance {args.balance}, {args.folds} folds, seed {args.seed}"
    )
    if not args.skip_cv:
        zero_shot = LocalJudge(features=args.features)
        cv = cross_validate(rows, constitution, args.folds, args.seed, args.balance, args.features)
        for principle in constitution.principles:
            truth = [row.labels[principle.id] is Label.VIOLATES for row in rows]
            print(f"\n{principle.id}: {sum(truth)} violations of {len(truth)}")
            report_principle(
                "always complies (baseline)",
                truth,
                [
                    Verdict(
                        transcript_id="", principle_id="", outcome=Outcome.COMPLIES, confidence=1.0
                    )
                ]
                * len(rows),
            )
            report_principle(
                "examples only (no XSTest data)",
                truth,
                judge_rows(zero_shot, rows, constitution, principle.id),
                forced=True,
            )
            report_principle(
                f"fitted, {args.folds}-fold CV by prompt", truth, cv[principle.id], forced=True
            )
            for min_score in (0.5, 0.8, 0.9):
                report_cascade(truth, cv[principle.id], min_score)
    if not args.skip_speed:
        measure_speed(rows, constitution, args.balance, args.features)


if __name__ == "__main__":
    main()
