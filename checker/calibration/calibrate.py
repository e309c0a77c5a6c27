"""Grade human-labelled pairs with a judge and measure how often the judge agrees.

The labelled pairs are graded through :func:`checker.runner.arun_check`, so every
judgment lands in the results store and is reused: calibrating twice, or after a
``check`` of the same transcripts with the same judge, makes no new judge call.
Only labelled pairs are graded: transcripts are grouped by the set of principles
they are labelled for, one run per group (usually a single run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict

from checker.calibration.labels import HumanLabel
from checker.calibration.metrics import ConfusionMatrix, Metrics, compute_metrics
from checker.calibration.registry import LabelRegistry, StampedLabel, bind_labels
from checker.errors import CheckerError
from checker.judges import Judge
from checker.results import PairResult
from checker.runner import (
    DEFAULT_CONCURRENCY,
    CheckProgress,
    ProgressCallback,
    SpendingCap,
    arun_check,
)
from checker.store import Store
from checker.transcript import Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LabelRef(_Model):
    """A label left out of the comparison, and why."""

    transcript_id: str
    principle_id: str
    label: str
    source: str
    reason: str


class PrincipleCalibration(_Model):
    principle_id: str
    title: str
    version: int
    principle_hash: str
    metrics: Metrics
    applicable: Metrics
    """Scores over the pairs the human labelled ``complies`` or ``violates`` only."""
    confusion: dict[str, dict[str, int]]
    """``confusion[human label][judge outcome]``."""


class Disagreement(_Model):
    """A pair where the judge's (majority) outcome differs from the human label (an
    abstention is not a disagreement: it is counted in the matrix and the coverage)."""

    transcript_id: str
    principle_id: str
    human: str
    judge: str
    rationale: str
    score: float | None = None
    confidence: float | None = None
    agreement: float | None = None
    """Share of the judge's samples agreeing with its majority outcome."""
    evidence: tuple[str, ...] = ()
    label_source: str = ""


class CalibrationReport(_Model):
    """Human labels against one judge, per principle and overall."""

    constitution_id: str
    constitution_version: str
    judge: str
    model: str
    prompt_version: str
    samples: int
    runs: tuple[int, ...]
    labels: int
    """Labels read."""
    compared: int
    """Labels compared with a verdict (current, matched to a transcript)."""
    unstable: int
    """Compared pairs whose samples disagreed (``samples`` > 1)."""
    principles: tuple[PrincipleCalibration, ...]
    overall: Metrics
    overall_applicable: Metrics
    overall_confusion: dict[str, dict[str, int]]
    disagreements: tuple[Disagreement, ...]
    stale: tuple[LabelRef, ...]
    unmatched: tuple[LabelRef, ...]
    """Labels naming a transcript that is not among the transcripts given."""


def calibrate(
    constitution: Constitution,
    transcripts: Iterable[Transcript],
    labels: Sequence[HumanLabel],
    judge: Judge,
    store: Store,
    **options: Any,
) -> CalibrationReport:
    """Synchronous :func:`acalibrate`."""
    return asyncio.run(acalibrate(constitution, transcripts, labels, judge, store, **options))


async def acalibrate(
    constitution: Constitution,
    transcripts: Iterable[Transcript],
    labels: Sequence[HumanLabel],
    judge: Judge,
    store: Store,
    *,
    samples: int = 1,
    concurrency: int = DEFAULT_CONCURRENCY,
    confirm_labels: bool = False,
    progress: ProgressCallback | None = None,
    max_cost: float | None = None,
    batch: bool = False,
) -> CalibrationReport:
    """Grade the labelled pairs with ``judge`` (through ``store``) and compare.

    ``max_cost`` (USD) caps the spend of all the runs together; a calibration the
    cap would leave incomplete stops with a :class:`CheckerError` (see
    :class:`checker.runner.SpendingCap`). ``batch`` grades through the judge's batch
    engine (``check --batch``; the calibration waits for the batches).

    Labels for transcripts not in ``transcripts`` are reported as ``unmatched``;
    labels made for another revision of their principle are reported as
    ``stale`` (see :mod:`checker.calibration.registry`); neither is scored.
    ``confirm_labels`` stamps every unstamped label as made for the current revision.
    """
    labelled_ids = {label.transcript_id for label in labels}
    found = _labelled_transcripts(transcripts, labelled_ids)
    unmatched = [
        _ref(label, "no transcript with this id among the transcripts given")
        for label in labels
        if label.transcript_id not in found
    ]
    matched = [label for label in labels if label.transcript_id in found]
    hashes = {tid: t.content_hash() for tid, t in found.items()}
    bound = bind_labels(
        matched, constitution, hashes, LabelRegistry(store.db), confirm=confirm_labels
    )
    if not bound.current:
        raise CheckerError(_nothing_to_compare(labels, unmatched, len(bound.stale)))
    pairs: dict[tuple[str, str], PairResult] = {}
    verdicts: dict[tuple[str, str], list[Verdict]] = {}
    runs: list[int] = []
    total = len(bound.current) * samples
    finished = 0
    cap = SpendingCap(max_cost, "calibration")
    for principle_ids, group in _groups(bound.current, found):
        report_to = None if progress is None else _offset(progress, finished, total)
        result = await arun_check(
            constitution,
            group,
            judge,
            store,
            principles=principle_ids,
            samples=samples,
            concurrency=concurrency,
            progress=report_to,
            max_cost=cap.remaining(),
            batch=batch,
        )
        cap.record(result)
        finished += result.totals.judgments
        runs.append(result.run.id)
        for pair in result.pairs:
            pairs[(pair.transcript_id, pair.principle_id)] = pair
        for verdict in result.verdicts:
            verdicts.setdefault((verdict.transcript_id, verdict.principle_id), []).append(verdict)
    report = _report(constitution, bound.current, pairs, verdicts)
    return CalibrationReport(
        constitution_id=constitution.id,
        constitution_version=constitution.version,
        judge=judge.name,
        model=judge.model,
        prompt_version=judge.prompt_version,
        samples=samples,
        runs=tuple(runs),
        labels=len(labels),
        compared=len(bound.current),
        stale=tuple(_ref(s.label, s.reason) for s in bound.stale),
        unmatched=tuple(unmatched),
        **report,
    )


def _offset(progress: ProgressCallback, done: int, total: int) -> ProgressCallback:
    """Progress of one run, seen as part of the whole calibration."""

    def report(state: CheckProgress) -> None:
        progress(replace(state, total=total, done=done + state.done))

    return report


def _labelled_transcripts(
    transcripts: Iterable[Transcript], wanted: set[str]
) -> dict[str, Transcript]:
    found: dict[str, Transcript] = {}
    for transcript in transcripts:
        if transcript.id not in wanted:
            continue
        if transcript.id in found:
            raise CheckerError(
                f"transcript {transcript.id!r} occurs more than once: labels need unique"
                " transcript ids (calibrate one file at a time, or map an id column)"
            )
        found[transcript.id] = transcript
    return found


def _groups(
    current: Sequence[StampedLabel], found: dict[str, Transcript]
) -> list[tuple[list[str], list[Transcript]]]:
    """Transcripts grouped by the principles they are labelled for, in first-seen order."""
    wanted: dict[str, list[str]] = {}
    for item in current:
        wanted.setdefault(item.label.transcript_id, []).append(item.label.principle_id)
    groups: dict[tuple[str, ...], list[Transcript]] = {}
    for transcript_id, principle_ids in wanted.items():
        groups.setdefault(tuple(sorted(principle_ids)), []).append(found[transcript_id])
    return [(list(key), group) for key, group in groups.items()]


def _ref(label: HumanLabel, reason: str) -> LabelRef:
    return LabelRef(
        transcript_id=label.transcript_id,
        principle_id=label.principle_id,
        label=label.label.value,
        source=label.where,
        reason=reason,
    )


def _nothing_to_compare(labels: Sequence[HumanLabel], unmatched: list[LabelRef], stale: int) -> str:
    source = labels[0].source if labels else "labels"
    if unmatched and len(unmatched) == len(labels):
        ids = ", ".join(sorted({u.transcript_id for u in unmatched})[:5])
        return f"{source}: no label names a transcript that was given (label ids such as {ids})"
    return f"{source}: every label is stale ({stale}): nothing to compare"


def _representative(outcome: Outcome, samples: Sequence[Verdict]) -> Verdict | None:
    """The first sample with the majority outcome (its rationale explains the pair)."""
    return next((v for v in samples if v.outcome is outcome), samples[0] if samples else None)


def _report(
    constitution: Constitution,
    current: Sequence[StampedLabel],
    pairs: dict[tuple[str, str], PairResult],
    verdicts: dict[tuple[str, str], list[Verdict]],
) -> dict[str, Any]:
    """The comparison fields of the report: figures, matrices, disagreements."""
    matrices: dict[str, ConfusionMatrix] = {}
    disagreements: list[Disagreement] = []
    unstable = 0
    for item in current:
        key = (item.label.transcript_id, item.label.principle_id)
        pair = pairs[key]
        human = item.label.label.value
        matrices.setdefault(item.label.principle_id, ConfusionMatrix()).add(
            human, pair.outcome.value
        )
        unstable += pair.unstable
        if pair.outcome is not Outcome.ABSTAINED and pair.outcome.value != human:
            disagreements.append(_disagreement(item.label, pair, verdicts.get(key, [])))
    overall = ConfusionMatrix()
    per_principle = []
    for principle in constitution.principles:
        matrix = matrices.get(principle.id)
        if matrix is None:
            continue
        overall = overall.merged(matrix)
        per_principle.append(
            PrincipleCalibration(
                principle_id=principle.id,
                title=principle.title,
                version=principle.version,
                principle_hash=principle.content_hash(),
                metrics=compute_metrics(matrix),
                applicable=compute_metrics(matrix.applicable()),
                confusion=matrix.counts,
            )
        )
    return {
        "unstable": unstable,
        "principles": tuple(per_principle),
        "overall": compute_metrics(overall),
        "overall_applicable": compute_metrics(overall.applicable()),
        "overall_confusion": overall.counts,
        "disagreements": tuple(disagreements),
    }


def _disagreement(label: HumanLabel, pair: PairResult, samples: Sequence[Verdict]) -> Disagreement:
    verdict = _representative(pair.outcome, samples)
    rationale = ""
    if verdict is not None:
        rationale = verdict.rationale or (verdict.error or "")
    return Disagreement(
        transcript_id=label.transcript_id,
        principle_id=label.principle_id,
        human=label.label.value,
        judge=pair.outcome.value,
        rationale=rationale,
        score=pair.score,
        confidence=verdict.confidence if verdict is not None else None,
        agreement=pair.agreement,
        evidence=tuple(e.quote for e in verdict.evidence) if verdict is not None else (),
        label_source=label.where,
    )


GATED_METRICS: tuple[str, ...] = ("coverage", "accuracy", "precision", "recall", "f1", "kappa")


def parse_thresholds(specs: Sequence[str]) -> dict[str, float]:
    """``["kappa=0.6", "recall=0.8"]`` as ``{"kappa": 0.6, "recall": 0.8}``."""
    thresholds: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip().lower()
        if not sep or name not in GATED_METRICS:
            raise CheckerError(
                f"bad threshold {spec!r}: expected METRIC=VALUE with METRIC one of"
                f" {', '.join(GATED_METRICS)}"
            )
        try:
            thresholds[name] = float(value)
        except ValueError:
            raise CheckerError(
                f"bad threshold {spec!r}: {value.strip()!r} is not a number"
            ) from None
    return thresholds


def shortfalls(report: CalibrationReport, thresholds: dict[str, float]) -> list[str]:
    """Each principle's (and the overall) figure below its threshold, as a sentence.

    An undefined figure (``None``: e.g. recall when no label says ``violates``)
    is not a shortfall: there is nothing to measure it on.
    """
    found: list[str] = []
    scopes = [(p.principle_id, p.metrics) for p in report.principles]
    scopes.append(("all principles", report.overall))
    for name, metrics in scopes:
        for metric, floor in thresholds.items():
            value = getattr(metrics, metric)
            if value is not None and value < floor - 1e-9:  # not failed by rounding
                found.append(f"{name}: {metric} {value:.3f} is below {floor:g}")
    return found
