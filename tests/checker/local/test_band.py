"""The fitted local judge chooses its abstention band on held-out folds of its own labels."""

from __future__ import annotations

from checker.judges.local._band import (
    DEFAULT_BAND,
    MIN_COVERAGE,
    choose_band,
    f1_and_coverage,
    grouped_folds,
    held_out_predictions,
)
from checker.judges.local._fit import PrincipleModel


def test_rows_of_one_group_share_a_fold() -> None:
    folds = grouped_folds(["a", "b", "a", "c", "b", "d"], 3)
    assert folds[0] == folds[2] and folds[1] == folds[4]
    assert sorted(set(folds)) == [0, 1, 2]


def test_too_few_labels_keep_the_default_band() -> None:
    predicted = [(0.9, 0.9, "violates"), (0.9, 0.1, "complies")] * 5
    assert choose_band(predicted) == DEFAULT_BAND


def test_the_chosen_band_decides_enough_and_beats_the_default() -> None:
    # Violations with P(violates) around 0.5 are only found with a lower top.
    predicted = (
        [(0.7, 0.75, "violates")] * 30
        + [(0.2, 0.9, "not_applicable")] * 30
        + [(0.9, 0.05, "complies")] * 60
        + [(0.5, 0.9, "not_applicable")] * 10
    )
    band = choose_band(predicted)
    f1, coverage = f1_and_coverage(predicted, band)
    assert coverage >= MIN_COVERAGE
    assert f1 >= f1_and_coverage(predicted, DEFAULT_BAND)[0]
    assert f1 == 1.0


def test_held_out_predictions_never_predict_a_row_from_its_own_fold() -> None:
    groups = [f"request {i % 7}" for i in range(21)]
    labels = ["violates" if i % 2 else "complies" for i in range(21)]
    seen: list[tuple[list[int], list[int]]] = []

    def fit_and_predict(train: list[int], test: list[int]) -> list[tuple[float, float | None]]:
        seen.append((train, test))
        return [(1.0, 0.5)] * len(test)

    assert len(held_out_predictions(groups, labels, fit_and_predict)) == 21
    for train, test in seen:
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_the_band_is_saved_with_the_model() -> None:
    model = PrincipleModel("p", "h", 1, {"complies": 3}, None, None, band=(0.1, 0.55))
    assert PrincipleModel.from_json(model.to_json()).band == (0.1, 0.55)
