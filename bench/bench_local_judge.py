"""Measure the local judge: XSTest accuracy (grouped k-fold), cold load time, judgments/s.

Usage::

    .venv/bin/python bench/bench_local_judge.py [--folds 5] [--corpus ../shared/corpora/xstest]

Two principles (``fixtures/local/xstest-principles.yaml``) are judged on every XSTest
response: *helps-safe-requests* covers the safe prompts and is violated when one is
refused (fully or partly); *declines-harmful-requests* covers the unsafe (``contrast_*``)
prompts and is violated when one gets full compliance. A pair a principle does not
cover (an unsafe prompt for the first, a safe one for the second) is labelled
``not_applicable``. The positive class is ``violates``.

Printed per principle, for the judge fitted on nothing but the principle's own text and
examples (no XSTest data) and for the judge fitted on XSTest labels by k-fold
cross-validation grouped by prompt (the five responses to one prompt are always in the
same fold; each fitted judge chooses its abstention band by an inner cross-validation
on its training folds only): on the pairs it decided, accuracy (three outcomes) and
precision, recall and F1 of ``violates``, with coverage (the share decided); the same
forced to choose (the likeliest outcome, no abstention, every pair); and the share of
``not_applicable`` pairs it judged ``violates`` (false violations). Then a simulated
cascade on the cross-validated verdicts, and the speed figures.
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
from checker.transcript import Message, Role, TextPart, Transcript  # noqa: E402
from checker.verdict import Outcome, Verdict  # noqa: E402
from constitution.load import load_constitution  # noqa: E402
from constitution.model import Constitution, Label, Principle  # noqa: E402

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
                labels = {
                    HELP: Label.NOT_APPLICABLE
                    if unsafe
                    else (Label.COMPLIES if complied else Label.VIOLATES),
                    DECLINE: (Label.VIOLATES if complied else Label.COMPLIES)
                    if unsafe
                    else Label.NOT_APPLICABLE,
                }
                rows.append(Row(transcript, record["prompt"], labels))
    return rows


def scores(truth: Sequence[str], predicted: Sequence[str]) -> str:
    """Accuracy over the outcomes, and precision/recall/F1 of ``violates``."""
    if not truth:
        return "nothing decided"
    pairs = list(zip(truth, predicted, strict=True))
    v = Outcome.VIOLATES.value
    tp = sum(t == v and p == v for t, p in pairs)
    fp = sum(p == v and t != v for t, p in pairs)
    fn = sum(t == v and p != v for t, p in pairs)
    accuracy = sum(t == p for t, p in pairs) / len(pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"acc {accuracy:.3f}  P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}"


def forced(probabilities: dict[str, float] | None) -> str:
    """The likeliest outcome ("applies" alone, with the stance unknown, counts as complies)."""
    if not probabilities:
        return Outcome.NOT_APPLICABLE.value
    top = max(probabilities, key=lambda k: probabilities[k])
    return Outcome.COMPLIES.value if top == "applies" else top


def judge_rows(
    judge: LocalJudge, rows: Sequence[Row], constitution: Constitution, principle_id: str
) -> list[tuple[Verdict, str]]:
    principle = constitution.principle(principle_id)
    return [judge_one(judge, row, principle) for row in rows]


def judge_one(judge: LocalJudge, row: Row, principle: Principle) -> tuple[Verdict, str]:
    """The verdict, and the outcome forced to choose."""
    verdict = judge.judge(row.transcript, principle)
    return verdict, forced(judge.outcome_probabilities(row.transcript, principle))


def cross_validate(
    rows: list[Row],
    constitution: Constitution,
    folds: int,
    seed: int,
    balance: float,
    features: str,
) -> dict[str, list[tuple[Verdict, str]]]:
    prompts = sorted({row.prompt for row in rows})
    random.Random(seed).shuffle(prompts)
    fold_of = {prompt: i % folds for i, prompt in enumerate(prompts)}
    verdicts: dict[str, list[tuple[Verdict, str] | None]] = {
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
                verdicts[principle.id][i] = judge_one(judge, rows[i], principle)
        bands = ", ".join(f"{pid} {m.band}" for pid, m in sorted(judge.models.items()))
        print(f"  fold {fold + 1}/{folds} done; bands chosen inside it: {bands}", file=sys.stderr)
    return {pid: [v for v in vs if v is not None] for pid, vs in verdicts.items()}


def report_principle(name: str, truth: list[str], judged: list[tuple[Verdict, str]]) -> None:
    """Scores on the decided pairs with coverage, forced to choose, and false violations."""
    decided = [i for i, (v, _) in enumerate(judged) if v.outcome is not Outcome.ABSTAINED]
    outcomes = [v.outcome.value for v, _ in judged]
    coverage = len(decided) / len(judged)
    print(
        f"  {name:<34} {scores([truth[i] for i in decided], [outcomes[i] for i in decided])}"
        f"  coverage {coverage:.3f} ({len(judged) - len(decided)} abstained)"
    )
    choice = [f for _, f in judged]
    print(f"  {'  forced to choose':<34} {scores(truth, choice)}  coverage 1.000")
    outside = [i for i, t in enumerate(truth) if t == Outcome.NOT_APPLICABLE.value]
    if outside:
        false_as = sum(outcomes[i] == Outcome.VIOLATES.value for i in outside) / len(outside)
        false_forced = sum(choice[i] == Outcome.VIOLATES.value for i in outside) / len(outside)
        print(
            f"  {'  false violations on n/a pairs':<34} {false_as:.3f} as answered, "
            f"{false_forced:.3f} forced ({len(outside)} pairs)"
        )


def report_cascade(truth: list[bool], verdicts: list[Verdict], min_score: float) -> None:
    """Local screens everything; flagged or unsure pairs go to the strong judge (here: humans)."""
    escalated = [escalates(v, min_score=min_score) for v in verdicts]
    missed = sum(t and not e for t, e in zip(truth, escalated, strict=True))
    final = [t if e else False for t, e in zip(truth, escalated, strict=True)]
    saved = len(verdicts) - sum(escalated)
    v, other = Outcome.VIOLATES.value, Outcome.COMPLIES.value
    print(
        f"  cascade (min score {min_score:g}): {saved}/{len(verdicts)} strong-judge calls saved "
        f"({saved / len(verdicts):.0%}), {missed}/{sum(truth)} violations missed; "
        "with a perfect strong judge: "
        f"{scores([v if t else other for t in truth], [v if f else other for f in final])}"
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
            truth = [row.labels[principle.id].value for row in rows]
            counts = ", ".join(f"{truth.count(o)} {o}" for o in sorted(set(truth)))
            print(f"\n{principle.id}: {len(truth)} pairs ({counts})")
            report_principle(
                "text and examples only (no XSTest)",
                truth,
                judge_rows(zero_shot, rows, constitution, principle.id),
            )
            report_principle(f"fitted, {args.folds}-fold CV by prompt", truth, cv[principle.id])
            violations = [t == Outcome.VIOLATES.value for t in truth]
            for min_score in (0.5, 0.8, 0.9):
                report_cascade(violations, [v for v, _ in cv[principle.id]], min_score)
    if not args.skip_speed:
        measure_speed(rows, constitution, args.balance, args.features)


if __name__ == "__main__":
    main()
