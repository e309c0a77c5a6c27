"""Pages of ``constitution view``: the same templates and view models, streamed.

The viewer's templates extend the report templates (``view_run`` extends the
check report, ``view_diff`` the diff report) and only fill the blocks they leave
open: a navigation bar, the pager, links between pages. The run list and the
transcript-across-runs page are new content, drawn with the same macros.
Every value still goes through autoescape, and the CSP is the reports' own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.behaviour_diff import BehaviourDiff
from checker.output._safe import scrubbed
from checker.output.html._chart import BAR_HEIGHT, BAR_MAX, CHART_WIDTH, LABEL_WIDTH, chart_height
from checker.output.html._check import Transcripts, _metadata, check_view
from checker.output.html._conversation import MessageView, conversation
from checker.output.html._diff import diff_view
from checker.output.html._env import assets, template
from checker.results import RunResult
from checker.transcript import Transcript


@dataclass(frozen=True, slots=True)
class RunRow:
    """One line of the run list."""

    id: int
    href: str
    constitution: str
    judge: str
    status: str
    started: str
    judgments: int
    violations: int | None
    errors: int | None
    cost_usd: float | None
    diff_href: str = ""
    diff_label: str = ""


@dataclass(frozen=True, slots=True)
class Paging:
    """Where a run page sits in its run: which transcripts, which filters, the links."""

    first: int
    last: int
    total: int
    page: int
    pages: int
    prev_href: str = ""
    next_href: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    clear_href: str = ""
    partial: bool = False
    """The run-wide summary is still being computed: only the totals are the run's."""
    query: str = ""
    """The filters as the page's script compares them (``principle=..&outcome=..``)."""


@dataclass(slots=True)
class AcrossCell:
    outcome: str
    score: float | None
    rationale: str
    href: str


@dataclass(slots=True)
class AcrossRun:
    id: int
    href: str
    label: str
    hash_note: str = ""


@dataclass(slots=True)
class TranscriptAcross:
    """One transcript as every run that judged it saw it: a principle x run grid."""

    id: str
    runs: list[AcrossRun]
    principles: list[str]
    cells: dict[tuple[str, int], AcrossCell]
    messages: list[MessageView] | None
    metadata: str = ""
    notes: list[str] = field(default_factory=list)


def _generator() -> str:
    from checker.output.html import _generator as generator

    return generator()


def _stream(name: str, title: str, page: str, **values: Any) -> Iterator[str]:
    css, js, csp = assets()
    return template(name).generate(
        title=title, page=page, css=css, js=js, csp=csp, generator=_generator(), **values
    )


def stream_runs_page(rows: list[RunRow], store: str) -> Iterator[str]:
    """The list of runs, newest first."""
    return _stream("view_runs.html.j2", "Runs", "runs", rows=rows, store=store)


def stream_run_page(
    result: RunResult,
    transcripts: Transcripts,
    paging: Paging,
    *,
    link: Callable[[str], str],
    across: Callable[[str], str],
) -> Iterator[str]:
    """One page of a run: the check report's content over this page's transcripts."""
    result = scrubbed(result)  # a store written before errors were scrubbed
    view = check_view(result, transcripts, None, link=link, across=across)
    chart = {
        "width": CHART_WIDTH,
        "height": chart_height(view.chart),
        "label_width": LABEL_WIDTH,
        "bar_max": BAR_MAX,
        "bar_height": BAR_HEIGHT,
    }
    return _stream(
        "view_run.html.j2",
        view.title,
        "check",
        view=view,
        run=result.run,
        totals=result.totals,
        chart=chart,
        paging=paging,
    )


def stream_runs_diff_page(
    behaviour: BehaviourDiff,
    before: Mapping[str, Transcript],
    after: Mapping[str, Transcript],
) -> Iterator[str]:
    """The behaviour diff of two stored runs, flips linked to both conversations."""
    view = diff_view(None, behaviour, before, after)
    return _stream(
        "view_diff.html.j2", view.title, "diff", view=view, text=None, behaviour=behaviour
    )


def stream_transcript_page(view: TranscriptAcross) -> Iterator[str]:
    return _stream("view_transcript.html.j2", f"Transcript {view.id}", "across", view=view)


def transcript_conversation(transcript: Transcript) -> tuple[list[MessageView], str]:
    """A conversation with nothing highlighted, and its metadata (the across-runs page)."""
    messages, _ = conversation(transcript, "m", ())
    return messages, _metadata(transcript)


__all__ = [
    "AcrossCell",
    "AcrossRun",
    "Paging",
    "RunRow",
    "TranscriptAcross",
    "stream_run_page",
    "stream_runs_diff_page",
    "stream_runs_page",
    "stream_transcript_page",
    "transcript_conversation",
]
