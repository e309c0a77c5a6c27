"""Fitting the local judge's two factors on labelled pairs, and the fitted form it saves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checker.judges.local._band import DEFAULT_BAND, Band, choose_band, held_out_predictions
from checker.judges.local._factors import (
    APPLIES,
    STANCE_WIDTH,
    Similarity,
    applicability_vector,
    applicability_width,
    stance_vector,
)
from checker.judges.local._features import Embedder, Exchange, exchange_of
from checker.judges.local._model import SoftmaxModel, fit_softmax
from checker.judges.local._subject import Subject, read_subject
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Label, Principle

EXAMPLE_WEIGHT = 2.0
"""A principle's own labelled example counts as this many user labels when fitting."""


@dataclass(frozen=True, slots=True)
class LabelledPair:
    """One training triple: a transcript, the principle it was judged against, the label."""

    transcript: Transcript
    principle: Principle
    label: Label
    weight: float = 1.0


def pair_from_verdict(
    verdict: Verdict, transcript: Transcript, principle: Principle
) -> LabelledPair | None:
    """A training pair from a stronger judge's stored verdict (for ``distill``).

    None for verdicts that teach nothing: errors, abstentions, and the local judge's own
    verdicts (fitting on them would only copy its mistakes).
    """
    if verdict.outcome in (Outcome.ERROR, Outcome.ABSTAINED) or verdict.judge in ("", "local"):
        return None
    if verdict.principle_id != principle.id or verdict.transcript_id != transcript.id:
        raise ValueError(
            f"verdict for {verdict.transcript_id} x {verdict.principle_id} "
            f"given with {transcript.id} x {principle.id}"
        )
    return LabelledPair(transcript, principle, Label(verdict.outcome.value))


@dataclass(frozen=True, slots=True)
class PrincipleModel:
    """The fitted factors of one principle and what they were fitted on.

    ``applicability`` (classes ``applies``/``not_applicable``) is fitted when the labels
    include ``not_applicable``; ``stance`` (``complies``/``violates``) when they include
    both. A missing factor falls back to what the principle's text says.
    """

    principle_id: str
    principle_hash: str
    principle_version: int
    label_counts: dict[str, int]
    applicability: SoftmaxModel | None
    stance: SoftmaxModel | None
    band: Band = DEFAULT_BAND
    """(no violation below, violation from): P(violates) in between abstains."""

    @property
    def n_rows(self) -> int:
        return sum(self.label_counts.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "principle_id": self.principle_id,
            "principle_hash": self.principle_hash,
            "principle_version": self.principle_version,
            "label_counts": self.label_counts,
            "applicability": self.applicability.to_json() if self.applicability else None,
            "stance": self.stance.to_json() if self.stance else None,
            "band": list(self.band),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PrincipleModel:
        def model(key: str) -> SoftmaxModel | None:
            return SoftmaxModel.from_json(data[key]) if data.get(key) else None

        return cls(
            principle_id=data["principle_id"],
            principle_hash=data["principle_hash"],
            principle_version=int(data["principle_version"]),
            label_counts={k: int(v) for k, v in data["label_counts"].items()},
            applicability=model("applicability"),
            stance=model("stance"),
            band=(float(data["band"][0]), float(data["band"][1]))
            if "band" in data
            else DEFAULT_BAND,
        )


@dataclass
class FitReport:
    """What :meth:`LocalJudge.fit` did per principle."""

    fitted: dict[str, dict[str, int]] = field(default_factory=dict)
    """Principle id -> label counts of the rows it was fitted on."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Principle id -> why no model was fitted (it falls back to its text and examples)."""


def example_exchanges(principle: Principle) -> list[tuple[Exchange, Label]]:
    """The principle's labelled examples as exchanges."""
    out = []
    for example in principle.examples:
        messages = tuple(
            Message(role=Role(m.role.value), parts=(TextPart(text=m.content),))
            for m in example.messages
        )
        out.append((exchange_of(Transcript(id="example", messages=messages)), example.label))
    return out


Row = tuple[Exchange, Label, float]

APPLICABILITY_L2 = 1e-4
"""L2 penalty of the applicability factor: its many sparse word features need a lighter
hand than the stance factor's (``l2``)."""


def fit_principle(
    principle: Principle,
    pairs: Iterable[Row] = (),
    *,
    l2: float = 1e-3,
    balance: float = 0.5,
    embed: Embedder | None = None,
) -> PrincipleModel:
    """Fit one principle's factors on its own examples plus labelled exchanges, and choose
    its abstention band by cross-validation inside the labelled exchanges.

    Raises ``ValueError`` when the rows carry fewer than two distinct labels.
    """
    examples: list[Row] = [
        (ex, label, EXAMPLE_WEIGHT)
        for ex, label in example_exchanges(principle)
        if ex.reply_index >= 0
    ]
    labelled = [row for row in pairs if row[0].reply_index >= 0]
    rows = examples + labelled
    labels = {label for _, label, _ in rows}
    if len(labels) < 2:
        raise ValueError(f"need at least two distinct labels to fit, got {sorted(labels)}")
    fitter = _FactorFitter(read_subject(principle), l2, balance, embed)
    applicability, stance = fitter.fit(rows)
    band = DEFAULT_BAND
    if stance is not None:

        def fit_and_predict(train: list[int], test: list[int]) -> list[tuple[float, float | None]]:
            factors = fitter.fit(examples + [labelled[i] for i in train])
            return [fitter.predict(factors, labelled[i][0]) for i in test]

        band = choose_band(
            held_out_predictions(
                [ex.request for ex, _, _ in labelled],
                [label.value for _, label, _ in labelled],
                fit_and_predict,
            )
        )
    return PrincipleModel(
        principle_id=principle.id,
        principle_hash=principle.content_hash(),
        principle_version=principle.version,
        label_counts=dict(Counter(label.value for _, label, _ in rows)),
        applicability=applicability,
        stance=stance,
        band=band,
    )


Factors = tuple[SoftmaxModel | None, SoftmaxModel | None]


@dataclass(frozen=True, slots=True)
class _FactorFitter:
    """Fits (and applies) one principle's two factors."""

    subject: Subject
    l2: float
    balance: float
    embed: Embedder | None

    def fit(self, rows: list[Row]) -> Factors:
        """Applicability when the labels include ``not_applicable`` and another label;
        stance when the applying rows include both ``complies`` and ``violates``."""
        weights = [w for _, _, w in rows]
        targets = [
            label.value if label is Label.NOT_APPLICABLE else APPLIES for _, label, _ in rows
        ]
        applicability = None
        if len(set(targets)) == 2:
            applicability = fit_softmax(
                [self._applicability(ex) for ex, _, _ in rows],
                targets,
                applicability_width(self.embed),
                sample_weight=weights,
                l2=APPLICABILITY_L2,
                balance=self.balance,
            )
        applying = [row for row in rows if row[1] is not Label.NOT_APPLICABLE]
        stance = None
        if {label for _, label, _ in applying} == {Label.COMPLIES, Label.VIOLATES}:
            stance = fit_softmax(
                [stance_vector(ex, self.subject) for ex, _, _ in applying],
                [label.value for _, label, _ in applying],
                STANCE_WIDTH,
                sample_weight=[w for _, _, w in applying],
                l2=self.l2,
                balance=self.balance,
            )
        return applicability, stance

    def predict(self, factors: Factors, exchange: Exchange) -> tuple[float, float | None]:
        """(P(applies), P(violating stance)) as the judge reads them from fitted factors."""
        applicability, stance = factors
        applies = 1.0
        if applicability is not None:
            applies = applicability.probabilities(self._applicability(exchange))[APPLIES]
        if stance is None:
            return applies, None
        return applies, stance.probabilities(stance_vector(exchange, self.subject))["violates"]

    def _applicability(self, exchange: Exchange) -> dict[int, float]:
        similarity = Similarity.of(exchange, self.subject)
        return applicability_vector(exchange, similarity, self.subject, self.embed)
