"""Know when to trust the judge: human labels, agreement metrics, self-tests.

- :func:`load_labels` reads human labels (JSON lines or CSV) with ``file:line`` errors;
- :func:`calibrate` grades the labelled pairs with a judge through the results
  store and reports accuracy, precision, recall, F1 (positive = ``violates``),
  Cohen's kappa and a confusion matrix per principle, with every disagreement;
- labels are bound to the principle revision they were made for
  (:mod:`checker.calibration.registry`): stale labels are reported, never scored;
- :func:`selftest` grades each principle's own labelled examples.
"""

from checker.calibration.calibrate import (
    CalibrationReport,
    Disagreement,
    LabelRef,
    PrincipleCalibration,
    acalibrate,
    calibrate,
    parse_thresholds,
    shortfalls,
)
from checker.calibration.labels import HumanLabel, LabelError, load_labels, parse_labels
from checker.calibration.metrics import (
    LABELS,
    OUTCOMES,
    ConfusionMatrix,
    Metrics,
    cohen_kappa,
    compute_metrics,
)
from checker.calibration.registry import (
    BoundLabels,
    LabelRegistry,
    StaleLabel,
    StampedLabel,
    bind_labels,
)
from checker.calibration.render import (
    calibration_json,
    calibration_markdown,
    selftest_json,
    selftest_markdown,
)
from checker.calibration.selftest import (
    ExampleResult,
    PrincipleSelftest,
    SelftestReport,
    aselftest,
    example_transcript,
    selftest,
)

__all__ = [
    "LABELS",
    "OUTCOMES",
    "BoundLabels",
    "CalibrationReport",
    "ConfusionMatrix",
    "Disagreement",
    "ExampleResult",
    "HumanLabel",
    "LabelError",
    "LabelRef",
    "LabelRegistry",
    "Metrics",
    "PrincipleCalibration",
    "PrincipleSelftest",
    "SelftestReport",
    "StaleLabel",
    "StampedLabel",
    "acalibrate",
    "aselftest",
    "bind_labels",
    "calibrate",
    "calibration_json",
    "calibration_markdown",
    "cohen_kappa",
    "compute_metrics",
    "example_transcript",
    "load_labels",
    "parse_labels",
    "parse_thresholds",
    "selftest",
    "selftest_json",
    "selftest_markdown",
    "shortfalls",
]
