"""Fit the local judge on a stronger judge's stored verdicts (``constitution distill``).

:func:`distill` reads the results store for non-error verdicts made by ``judge_name``
(``anthropic`` by default: its own runs and the pairs a cascade sent on to it) on the
constitution's principles *as they are now*: a verdict counts only when its
principle content hash matches the current principle. Verdicts made for an earlier
version are counted in the report but not fitted on: the local judge fits one model
per principle and records the hash it was fitted for, so mixing in labels given under
other wording would present an old rule's labels as the new rule's. Each verdict's
transcript is rebuilt from the store by its content hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

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


__all__ = ["DistillError", "DistillReport", "distill"]
