"""Metrics against values computed by hand (the arithmetic is written out in each test)."""

from __future__ import annotations

import pytest

from checker.calibration.metrics import ConfusionMatrix, cohen_kappa, compute_metrics


def _matrix(cells: dict[tuple[str, str], int]) -> ConfusionMatrix:
    matrix = ConfusionMatrix()
    for (label, outcome), n in cells.items():
        matrix.add(label, outcome, n)
    return matrix


# rows = human label, columns = judge outcome
#                 complies  violates  not_applicable  error
# complies            5         2           1           1
# violates            1         3           0           0
# not_applicable      1         0           2           0
THREE_CLASS = {
    ("complies", "complies"): 5,
    ("complies", "violates"): 2,
    ("complies", "not_applicable"): 1,
    ("complies", "error"): 1,
    ("violates", "complies"): 1,
    ("violates", "violates"): 3,
    ("not_applicable", "complies"): 1,
    ("not_applicable", "not_applicable"): 2,
}


def test_three_class_matrix_by_hand() -> None:
    m = compute_metrics(_matrix(THREE_CLASS))
    # pairs = 16 cells counted; the 1 error is left out of every score: scored = 15
    assert (m.pairs, m.errors, m.scored) == (16, 1, 15)
    # agreed = diagonal = 5 + 3 + 2 = 10; accuracy = 10 / 15
    assert m.agreed == 10
    assert m.accuracy == pytest.approx(10 / 15)
    # positive = violates. TP = 3; FP = complies->violates 2 + n/a->violates 0 = 2;
    # FN = violates->complies 1 + violates->n/a 0 = 1; TN = 15 - 3 - 2 - 1 = 9
    assert (m.true_positives, m.false_positives, m.false_negatives, m.true_negatives) == (
        3,
        2,
        1,
        9,
    )
    assert m.precision == pytest.approx(3 / 5)  # 0.6
    assert m.recall == pytest.approx(3 / 4)  # 0.75
    # F1 = 2TP / (2TP + FP + FN) = 6 / 9 = 2PR / (P + R) = 0.9 / 1.35
    assert m.f1 == pytest.approx(6 / 9)
    assert m.f1 == pytest.approx(2 * 0.6 * 0.75 / (0.6 + 0.75))
    # kappa: row totals (human) complies 8, violates 4, n/a 3; column totals (judge,
    # errors dropped) complies 5+1+1 = 7, violates 2+3+0 = 5, n/a 1+0+2 = 3; n = 15.
    # p_e = (8*7 + 4*5 + 3*3) / 15^2 = 85/225; p_o = 10/15 = 150/225
    # kappa = (150 - 85) / (225 - 85) = 65/140 = 13/28
    assert m.kappa == pytest.approx(13 / 28)
    assert m.kappa == pytest.approx(0.4642857, abs=1e-7)


def test_binary_matrix_by_hand() -> None:
    # complies->complies 40, complies->violates 10, violates->complies 5, violates->violates 45
    m = compute_metrics(
        _matrix(
            {
                ("complies", "complies"): 40,
                ("complies", "violates"): 10,
                ("violates", "complies"): 5,
                ("violates", "violates"): 45,
            }
        )
    )
    # accuracy = (40 + 45) / 100 = 0.85; precision = 45 / 55; recall = 45 / 50 = 0.9
    assert m.accuracy == pytest.approx(0.85)
    assert m.precision == pytest.approx(45 / 55)
    assert m.recall == pytest.approx(0.9)
    # F1 = 90 / (90 + 10 + 5) = 90 / 105
    assert m.f1 == pytest.approx(90 / 105)
    # rows: complies 50, violates 50; columns: complies 45, violates 55
    # p_e = (50*45 + 50*55) / 100^2 = 5000/10000 = 0.5; p_o = 0.85; kappa = 0.35/0.5 = 0.7
    assert m.kappa == pytest.approx(0.7)


def test_perfect_and_chance_agreement() -> None:
    perfect = compute_metrics(_matrix({("complies", "complies"): 3, ("violates", "violates"): 2}))
    assert (perfect.accuracy, perfect.precision, perfect.recall, perfect.f1) == (1, 1, 1, 1)
    assert perfect.kappa == pytest.approx(1.0)
    # judge says complies every time: p_o = 0.8, p_e = 0.8 * 1 + 0.2 * 0 = 0.8, kappa = 0
    constant = compute_metrics(_matrix({("complies", "complies"): 8, ("violates", "complies"): 2}))
    assert constant.kappa == pytest.approx(0.0)
    assert constant.precision is None  # never said violates: 0 / 0
    assert constant.recall == 0.0  # 0 of 2 violations found
    assert constant.f1 == 0.0  # 0 / (0 + 0 + 2)


def test_undefined_scores_are_none() -> None:
    # one class on both sides: p_e = 1, kappa undefined; no violation anywhere: P, R, F1 undefined
    m = compute_metrics(_matrix({("complies", "complies"): 4}))
    assert m.accuracy == 1.0
    assert (m.precision, m.recall, m.f1, m.kappa) == (None, None, None, None)
    empty = compute_metrics(ConfusionMatrix())
    assert (empty.scored, empty.accuracy, empty.kappa) == (0, None, None)
    only_errors = compute_metrics(_matrix({("violates", "error"): 2}))
    assert (only_errors.pairs, only_errors.errors, only_errors.accuracy) == (2, 2, None)


def test_merged_adds_cells() -> None:
    a = _matrix({("complies", "complies"): 1, ("violates", "error"): 2})
    b = _matrix({("complies", "complies"): 3})
    merged = a.merged(b)
    assert merged.cell("complies", "complies") == 4
    assert merged.cell("violates", "error") == 2
    assert a.cell("complies", "complies") == 1


def test_unknown_classes_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown label 'error'"):
        ConfusionMatrix.from_pairs([("error", "complies")])
    with pytest.raises(ValueError, match="unknown outcome 'maybe'"):
        ConfusionMatrix.from_pairs([("complies", "maybe")])


def test_kappa_from_a_plain_mapping() -> None:
    counts = {
        "complies": {"complies": 20, "violates": 5, "not_applicable": 0},
        "violates": {"complies": 10, "violates": 15, "not_applicable": 0},
        "not_applicable": {"complies": 0, "violates": 0, "not_applicable": 0},
    }
    # n = 50; p_o = 35/50 = 0.7; rows 25, 25; columns 30, 20
    # p_e = (25*30 + 25*20) / 2500 = 1250/2500 = 0.5; kappa = 0.2 / 0.5 = 0.4
    assert cohen_kappa(counts) == pytest.approx(0.4)


def test_applicable_part_drops_the_not_applicable_row() -> None:
    part = compute_metrics(_matrix(THREE_CLASS).applicable())
    # rows complies (5, 2, 1, error 1) and violates (1, 3, 0): scored 12, agreed 8
    assert (part.scored, part.errors, part.agreed) == (12, 1, 8)
    # TP 3, FP 2, FN 1 as before (the n/a row held no violates)
    assert (part.precision, part.recall) == (pytest.approx(0.6), pytest.approx(0.75))
    # rows C 8, V 4; columns C 6, V 5, N 1; p_e = (8*6 + 4*5)/144 = 68/144, p_o = 96/144
    # kappa = (96 - 68)/(144 - 68) = 28/76
    assert part.kappa == pytest.approx(28 / 76)


def test_every_score_is_on_the_decided_pairs_with_coverage_beside() -> None:
    # complies: 2 complies, 1 abstained; violates: 1 violates, 2 abstained, 1 error
    matrix = _matrix(
        {
            ("complies", "complies"): 2,
            ("complies", "abstained"): 1,
            ("violates", "violates"): 1,
            ("violates", "abstained"): 2,
            ("violates", "error"): 1,
        }
    )
    m = compute_metrics(matrix)
    # 7 pairs, 3 decided: coverage 3/7; on those 3 the judge is always right
    assert (m.pairs, m.scored, m.abstained, m.errors) == (7, 3, 3, 1)
    assert m.coverage == pytest.approx(3 / 7)
    # an abstention is neither wrong (accuracy) nor a true negative (F1): both are 1
    assert (m.accuracy, m.precision, m.recall, m.f1) == (1.0, 1.0, 1.0, 1.0)
    assert (m.true_negatives, m.false_negatives) == (2, 0)
    assert m.kappa == pytest.approx(1.0)
    # where the principle applies (both rows here): the same basis, abstentions left out
    assert compute_metrics(matrix.applicable()) == m


def test_nothing_decided_has_no_scores_and_zero_coverage() -> None:
    m = compute_metrics(_matrix({("complies", "abstained"): 2}))
    assert (m.coverage, m.accuracy, m.f1, m.kappa) == (0.0, None, None, None)
    assert compute_metrics(ConfusionMatrix()).coverage is None
