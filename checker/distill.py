"""Fit the local judge on a stronger judge's stored verdicts (``constitution distill``).

:func:`distill` reads the results store for non-error verdicts made by ``judge_name``
(``anthropic`` by default: its own runs and the pairs a cascade sent on to it) on the
constitution's principles *as they are now*: a verdict counts only when its
principle content hash matches the current principle. Verdicts made for an earlier
version are counted in the report but not fitted on: the local judge fits one model
per principle and records the hash it was fitted for, so mixing in labels given under
other wording would present an old rule's labels as the new rule's. Each verdict's
transcript is rebuilt from the store by its content hash.

:func:`fit_labels` fits it on human labels instead (``distill --labels``), and reports
grouped k-fold cross-validation figures per principle.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from checker.calibration.labels import HumanLabel
from checker.calibration.registry import bind_labels
from checker.errors import CheckerError
from checker.judges.local import FitReport, LabelledPair, LocalJudge, pair_from_verdict
from checker.runner import out_of_scope_reason
from checker.store import Store
from checker.transcript import Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution

DEFAULT_TEACHER = "anthropic"
"""The judge whose stored verdicts are learnt from unless told otherwise."""


class DistillError(CheckerError):
    """The store holds no verdicts the local judge could be fitted on."""


@dataclass
class DistillReport(FitReport):
    """What :func:`distill` found in the store and what it fitted (see :class:`FitReport`)."""

    judge: str = "anthropic"
    pairs: dict[str, dict[str, int]] = field(default_factory=dict)
    """Principle id -> label -> stored verdicts fitted on (the principle's own examples
    are counted in ``fitted`` besides)."""
    older_versions: dict[str, int] = field(default_factory=dict)
    """Principle id -> verdicts made for an earlier version of it (not used)."""
    missing_transcripts: int = 0
    """Verdicts whose transcript is not in the store (not used)."""
    out_of_scope: int = 0
    """``not_applicable`` verdicts settled without a judge call (nothing in scope; not used)."""

    @property
    def total_pairs(self) -> int:
        return sum(sum(counts.values()) for counts in self.pairs.values())


def distill(
    store: Store,
    constitution: Constitution,
    *,
    judge_name: str = DEFAULT_TEACHER,
    model: str | None = None,
    runs: Sequence[int | str] | None = None,
    features: str = "lexical",
) -> tuple[LocalJudge, DistillReport]:
    """A local judge fitted on ``judge_name``'s stored verdicts for the constitution.

    ``model`` keeps only verdicts of that judge model; ``runs`` (ids or ``latest``)
    keeps only verdicts those runs used (default: every stored verdict).
    Raises :class:`DistillError` when no stored verdict can be used, or when none
    of the principles ends up with a fitted model.
    """
    if judge_name == LocalJudge.name:
        raise DistillError("distilling the local judge's own verdicts would teach it nothing")
    report = DistillReport(judge=judge_name)
    pairs = list(_collect(store, constitution, judge_name, model, runs, report))
    if not pairs:
        raise DistillError(_nothing_usable(store, constitution, judge_name, model, report))
    judge = LocalJudge.fit(pairs, features=features, report=report)
    if not judge.models:
        reasons = "; ".join(f"{pid}: {why}" for pid, why in sorted(report.skipped.items()))
        raise DistillError(f"no principle could be fitted from {len(pairs)} verdicts ({reasons})")
    return judge, report


def _collect(
    store: Store,
    constitution: Constitution,
    judge_name: str,
    model: str | None,
    runs: Sequence[int | str] | None,
    report: DistillReport,
) -> Iterator[LabelledPair]:
    current = {p.content_hash(): p for p in constitution.principles}
    by_id = {p.id: p for p in constitution.principles}
    transcripts: dict[str, Transcript | None] = {}
    seen: set[tuple[str, str, str, str, str, int]] = set()
    for verdict in _stored_verdicts(store, runs):
        if verdict.outcome in (Outcome.ERROR, Outcome.ABSTAINED) or verdict.judge != judge_name:
            continue
        if model is not None and verdict.model != model:
            continue
        principle = current.get(verdict.principle_hash)
        if principle is None or principle.id != verdict.principle_id:
            if verdict.principle_id in by_id:
                older = report.older_versions
                older[verdict.principle_id] = older.get(verdict.principle_id, 0) + 1
            continue
        key = (
            verdict.judge,
            verdict.model,
            verdict.prompt_version,
            verdict.principle_hash,
            verdict.transcript_hash,
            verdict.sample_index,
        )
        if key in seen:  # the same stored verdict, linked to several runs
            continue
        seen.add(key)
        transcript = _transcript(store, verdict, transcripts)
        if transcript is None:
            report.missing_transcripts += 1
            continue
        if out_of_scope_reason(principle, transcript) is not None:
            report.out_of_scope += 1
            continue
        pair = pair_from_verdict(verdict, transcript, principle)
        if pair is None:
            continue
        counts = report.pairs.setdefault(principle.id, {})
        counts[pair.label.value] = counts.get(pair.label.value, 0) + 1
        yield pair


def _stored_verdicts(store: Store, runs: Sequence[int | str] | None) -> Iterable[Verdict]:
    if not runs:
        return store.iter_verdicts()
    records = [store.get_run(run) for run in runs]  # StoreError names a missing run
    return (item.verdict for r in records for item in store.run_verdicts(r.id))


def _transcript(
    store: Store, verdict: Verdict, cache: dict[str, Transcript | None]
) -> Transcript | None:
    if verdict.transcript_hash not in cache:
        cache[verdict.transcript_hash] = store.get_transcript(verdict.transcript_hash)
    transcript = cache[verdict.transcript_hash]
    if transcript is not None and transcript.id != verdict.transcript_id:
        # The same conversation stored under another id: the content is what counts.
        transcript = transcript.model_copy(update={"id": verdict.transcript_id})
    return transcript


def _nothing_usable(
    store: Store,
    constitution: Constitution,
    judge_name: str,
    model: str | None,
    report: DistillReport,
) -> str:
    by = f"{judge_name}" + (f" (model {model})" if model else "")
    message = (
        f"{store.path}: no usable stored verdicts by {by} for the principles of "
        f"constitution {constitution.id}"
    )
    notes = []
    older = sum(report.older_versions.values())
    if older:
        notes.append(f"{older} were made for earlier versions of its principles")
    if report.missing_transcripts:
        notes.append(f"{report.missing_transcripts} have no stored transcript")
    if report.out_of_scope:
        notes.append(f"{report.out_of_scope} were out of scope")
    hint = f"; run `constitution check --judge {judge_name}` first"
    return message + (f" ({'; '.join(notes)})" if notes else "") + hint


# -- fitting on human labels ---------------------------------------------------------


@dataclass
class CrossValidation:
    """Grouped k-fold figures for one principle (positive class: ``violates``)."""

    pairs: int = 0
    decided: int = 0
    correct: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def coverage(self) -> float:
        return self.decided / self.pairs if self.pairs else 0.0

    @property
    def accuracy(self) -> float | None:
        """Share of the decided pairs judged as labelled (three outcomes)."""
        return self.correct / self.decided if self.decided else None

    @property
    def f1(self) -> float | None:
        """F1 of ``violates`` on the decided pairs (None with no violation in sight)."""
        if not self.tp + self.fp + self.fn:
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)


@dataclass
class LabelFitReport(FitReport):
    """What :func:`fit_labels` used, left out, and how the fit cross-validates."""

    labels: int = 0
    pairs: dict[str, dict[str, int]] = field(default_factory=dict)
    stale: int = 0
    """Labels made for another revision of their principle (not used)."""
    unmatched: int = 0
    """Labels naming a transcript that was not given (not used)."""
    folds: int = 0
    cv: dict[str, CrossValidation] = field(default_factory=dict)

    @property
    def used(self) -> int:
        return sum(sum(counts.values()) for counts in self.pairs.values())


def fit_labels(
    constitution: Constitution,
    transcripts: Iterable[Transcript],
    labels: Sequence[HumanLabel],
    *,
    folds: int = 5,
    seed: int = 0,
    features: str = "lexical",
) -> tuple[LocalJudge, LabelFitReport]:
    """A local judge fitted on human labels, with grouped k-fold cross-validation figures.

    Labels for a transcript not given, or made for another revision of their
    principle (a ``principle_version``/``principle_hash`` that no longer matches),
    are counted and not used. Folds group labels by transcript, so a transcript's
    labels are never split between fitting and testing.
    """
    report = LabelFitReport(labels=len(labels), folds=folds)
    by_id = {t.id: t for t in transcripts}
    matched = [label for label in labels if label.transcript_id in by_id]
    report.unmatched = len(labels) - len(matched)
    hashes = {label.transcript_id: by_id[label.transcript_id].content_hash() for label in matched}
    bound = bind_labels(matched, constitution, hashes, None)
    report.stale = len(bound.stale)
    pairs = []
    for stamped in bound.current:
        principle = constitution.principle(stamped.label.principle_id)
        pair = LabelledPair(by_id[stamped.label.transcript_id], principle, stamped.label.label)
        counts = report.pairs.setdefault(principle.id, {})
        counts[pair.label.value] = counts.get(pair.label.value, 0) + 1
        pairs.append(pair)
    if not pairs:
        raise DistillError(
            f"no usable labels: {report.unmatched} name no given transcript, "
            f"{report.stale} were made for other principle revisions"
        )
    judge = LocalJudge.fit(pairs, features=features, report=report)
    if folds >= 2:
        report.cv = _cross_validate(pairs, folds, seed, features)
    return judge, report


def _cross_validate(
    pairs: list[LabelledPair], folds: int, seed: int, features: str
) -> dict[str, CrossValidation]:
    groups = sorted({pair.transcript.id for pair in pairs})
    random.Random(seed).shuffle(groups)
    fold_of = {group: i % folds for i, group in enumerate(groups)}
    cv: dict[str, CrossValidation] = {}
    for fold in range(folds):
        train = [p for p in pairs if fold_of[p.transcript.id] != fold]
        test = [p for p in pairs if fold_of[p.transcript.id] == fold]
        if not train or not test:
            continue
        judge = LocalJudge.fit(train, features=features)
        for pair in test:
            scores = cv.setdefault(pair.principle.id, CrossValidation())
            outcome = judge.judge(pair.transcript, pair.principle).outcome.value
            scores.pairs += 1
            if outcome == Outcome.ABSTAINED.value:
                continue
            scores.decided += 1
            scores.correct += outcome == pair.label.value
            violates = Outcome.VIOLATES.value
            scores.tp += outcome == violates and pair.label.value == violates
            scores.fp += outcome == violates and pair.label.value != violates
            scores.fn += outcome != violates and pair.label.value == violates
    return cv


__all__ = [
    "CrossValidation",
    "DistillError",
    "DistillReport",
    "LabelFitReport",
    "distill",
    "fit_labels",
]
