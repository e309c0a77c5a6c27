"""The local judge: offline grading with no API key (``judge="local"`` in every verdict).

``LocalJudge()`` judges each principle from its own labelled examples;
``LocalJudge.fit(pairs)`` fits it on labelled (transcript, principle, label) triples,
such as a stronger judge's stored verdicts, and ``save``/``load`` keep the fit in a
small JSON file (``LocalJudge(model=PATH)`` loads one, so ``--judge local --model PATH``
works through :func:`checker.judges.make_judge`).
"""

from checker.judges.local._features import Exchange, exchange_of, refusal_score, structure_features
from checker.judges.local._fit import (
    FitReport,
    LabelledPair,
    PrincipleModel,
    fit_principle,
    pair_from_verdict,
)
from checker.judges.local._judge import METHOD, LocalJudge

__all__ = [
    "METHOD",
    "Exchange",
    "FitReport",
    "LabelledPair",
    "LocalJudge",
    "PrincipleModel",
    "exchange_of",
    "fit_principle",
    "pair_from_verdict",
    "refusal_score",
    "structure_features",
]
