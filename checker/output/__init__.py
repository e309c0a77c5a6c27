"""Renderings of a check run: ``table``, ``json``, ``jsonl``, ``markdown``, ``junit``.

``json`` is the versioned run document described in ``docs/VERDICT.md``. Every
rendering is made from a result with the secrets taken out of its errors; the
human-readable ones show control and bidi characters as visible escapes.
"""

from __future__ import annotations

from collections.abc import Callable

from checker.errors import CheckerError
from checker.output._json import (
    RUN_SCHEMA,
    RUN_SCHEMA_VERSION,
    render_json,
    render_jsonl,
    run_document,
    verdict_from_record,
    verdict_record,
)
from checker.output._junit import render_junit
from checker.output._markdown import render_markdown
from checker.output._safe import markdown_text, scrubbed, visible
from checker.output._stream import STREAMED_FORMATS, stream_run
from checker.output._table import render_table
from checker.output._text import judgments_line, rate_caption
from checker.results import RunResult

Renderer = Callable[[RunResult], str]

RENDERERS: dict[str, Renderer] = {
    "table": render_table,
    "json": render_json,
    "jsonl": render_jsonl,
    "markdown": render_markdown,
    "junit": render_junit,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(result: RunResult, format: str) -> str:
    """``result`` in one of :data:`FORMATS`."""
    try:
        renderer = RENDERERS[format]
    except KeyError:
        raise CheckerError(
            f"unknown format {format!r}: expected one of {', '.join(FORMATS)}"
        ) from None
    return renderer(scrubbed(result))


__all__ = [
    "FORMATS",
    "RENDERERS",
    "RUN_SCHEMA",
    "RUN_SCHEMA_VERSION",
    "STREAMED_FORMATS",
    "judgments_line",
    "markdown_text",
    "rate_caption",
    "render",
    "render_json",
    "render_jsonl",
    "render_junit",
    "render_markdown",
    "render_table",
    "run_document",
    "scrubbed",
    "stream_run",
    "verdict_from_record",
    "verdict_record",
    "visible",
]
