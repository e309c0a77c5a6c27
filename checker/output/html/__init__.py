"""Self-contained HTML reports of check runs and revision diffs.

One file, no network: the stylesheet and the small filter script are inlined and
allowed by hash in a strict Content-Security-Policy (``default-src 'none'``), the
chart is inline SVG. Every piece of transcript, verdict and constitution text goes
through Jinja2's autoescape; evidence quotes are located on plain text and the
pieces escaped afterwards, so a transcript holding ``<script>`` shows it as text.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from checker.behaviour_diff import BehaviourDiff
from checker.output._safe import scrubbed
from checker.output.html._chart import BAR_HEIGHT, BAR_MAX, CHART_WIDTH, LABEL_WIDTH, chart_height
from checker.output.html._check import PROBLEM_OUTCOMES, Transcripts, check_view
from checker.output.html._diff import diff_view
from checker.output.html._env import assets, template
from checker.output.html._view import (
    AcrossCell,
    AcrossRun,
    Paging,
    RunRow,
    TranscriptAcross,
    stream_run_page,
    stream_runs_diff_page,
    stream_runs_page,
    stream_transcript_page,
    transcript_conversation,
)
from checker.results import RunResult
from checker.store import Store
from checker.transcript import Transcript
from constitution.diff import ConstitutionDiff
from constitution.model import Constitution


def _generator() -> str:
    try:
        return version("constitution")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "dev"


def _page(name: str, title: str, page: str, **values: Any) -> str:
    css, js, csp = assets()
    return template(name).render(
        title=title, page=page, css=css, js=js, csp=csp, generator=_generator(), **values
    )


def render_check_html(
    result: RunResult,
    transcripts: Transcripts = None,
    constitution: Constitution | None = None,
) -> str:
    """The check report of ``result`` as one HTML document.

    ``transcripts`` (an iterable or a mapping by id) supplies the conversations; a
    transcript that is missing is reported as such and its verdicts still shown.
    ``constitution`` adds principle titles.
    """
    result = scrubbed(result)
    view = check_view(result, transcripts, constitution)
    chart = {
        "width": CHART_WIDTH,
        "height": chart_height(view.chart),
        "label_width": LABEL_WIDTH,
        "bar_max": BAR_MAX,
        "bar_height": BAR_HEIGHT,
    }
    return _page(
        "check.html.j2",
        view.title,
        "check",
        view=view,
        run=result.run,
        totals=result.totals,
        chart=chart,
    )


def render_diff_html(
    diff: ConstitutionDiff | None,
    behaviour: BehaviourDiff | None = None,
    transcripts: Transcripts = None,
    after_transcripts: Transcripts = None,
) -> str:
    """The diff report: changed principles side by side, then behaviour flips if given.

    ``transcripts`` supplies the conversations the flips link to; for two transcript
    sets pass the second as ``after_transcripts`` (ids may repeat across sets).
    """
    view = diff_view(diff, behaviour, transcripts, after_transcripts)
    return _page("diff.html.j2", view.title, "diff", view=view, text=diff, behaviour=behaviour)


def stored_transcripts(store: Store, result: RunResult) -> dict[str, Transcript]:
    """The transcripts a stored run judged, as the store kept them (by content hash)."""
    found: dict[str, Transcript] = {}
    for verdict in result.verdicts:
        if verdict.transcript_id in found or not verdict.transcript_hash:
            continue
        transcript = store.get_transcript(verdict.transcript_hash)
        if transcript is not None:
            found[verdict.transcript_id] = transcript
    return found


def content_security_policy() -> str:
    """The reports' Content-Security-Policy (the viewer sends it as a header)."""
    return assets()[2]


__all__ = [
    "PROBLEM_OUTCOMES",
    "AcrossCell",
    "AcrossRun",
    "Paging",
    "RunRow",
    "TranscriptAcross",
    "content_security_policy",
    "render_check_html",
    "render_diff_html",
    "stored_transcripts",
    "stream_run_page",
    "stream_runs_diff_page",
    "stream_runs_page",
    "stream_transcript_page",
    "transcript_conversation",
]
