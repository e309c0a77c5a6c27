"""``constitution view``: a local, read-only web viewer over the results store.

Pages: the runs (``/``), one run paged by transcripts with the check report's
content (``/runs/ID``, filters ``principle``, ``outcome``, ``problems``, ``t`` and
``page`` in the query), two runs compared (``/diff?before=A&after=B``) and one
transcript across every run that judged it (``/transcript?id=T``). Built on the
standard library's :class:`http.server.ThreadingHTTPServer` and the HTML
report's templates; see ``docs/VIEW.md``.
"""

from checker.view._pages import PAGE_SIZE, RunQuery
from checker.view._server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ViewServer,
    make_server,
    security_headers,
)
from checker.view._summary import RunSummary, SummaryCache, compute_summary

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "PAGE_SIZE",
    "RunQuery",
    "RunSummary",
    "SummaryCache",
    "ViewServer",
    "compute_summary",
    "make_server",
    "security_headers",
]
