"""Geometry of the inline SVG bar chart: violation rate per principle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.output._text import not_graded, rate_caption
from checker.results import PrincipleSummary

CHART_WIDTH = 900
LABEL_WIDTH = 250
BAR_MAX = 360
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 8
LABEL_CHARS = 34


@dataclass(frozen=True, slots=True)
class ChartRow:
    principle_id: str
    label: str
    """The id, shortened to fit the label column (the full id is in the row's title)."""
    y: float
    bar: float
    """Bar width in px (0 when the rate is undefined)."""
    rate: float | None
    caption: str
    level: str
    """``none``, ``low``, ``mid``, ``high`` or ``ungraded`` (no pair graded: only
    abstentions and errors): the bar's colour class."""


def _level(summary: PrincipleSummary) -> str:
    rate = summary.violation_rate
    if not_graded(summary):
        return "ungraded"
    if rate is None or rate == 0:
        return "none"
    if rate < 0.1:
        return "low"
    if rate < 0.3:
        return "mid"
    return "high"


def chart_rows(summaries: Sequence[PrincipleSummary]) -> list[ChartRow]:
    rows = []
    for i, summary in enumerate(summaries):
        pid = summary.principle_id
        label = pid if len(pid) <= LABEL_CHARS else pid[: LABEL_CHARS - 1] + "…"
        rate = summary.violation_rate
        rows.append(
            ChartRow(
                principle_id=pid,
                label=label,
                y=TOP + i * ROW_HEIGHT,
                bar=round((rate or 0.0) * BAR_MAX, 1),
                rate=rate,
                caption=rate_caption(summary),
                level=_level(summary),
            )
        )
    return rows


def chart_height(rows: Sequence[ChartRow]) -> int:
    return TOP * 2 + ROW_HEIGHT * max(len(rows), 1)


__all__ = [
    "BAR_HEIGHT",
    "BAR_MAX",
    "CHART_WIDTH",
    "LABEL_WIDTH",
    "ROW_HEIGHT",
    "ChartRow",
    "chart_height",
    "chart_rows",
]
