"""Making untrusted text safe to show: in a terminal, in Markdown, in any report.

Transcript ids, quotes, rationales and errors come from transcripts and models,
so they may hold terminal escape sequences, bidirectional overrides (U+202E
turns ``exe.txt`` into ``txt.exe`` on screen) or HTML. :func:`visible` writes
control and bidi-control characters as visible escapes (``\\x1b``, ``\\u202e``);
:func:`markdown_text` also HTML-escapes ``<``, ``>`` and ``&`` so a PR comment
cannot carry a ``<script>`` or an ``<img onerror>``; :func:`scrubbed` takes the
secrets out of a result's errors before any rendering (see :mod:`checker.secrets`).
"""

from __future__ import annotations

import html
import unicodedata

from checker.results import RunResult
from checker.secrets import scrub_optional, scrub_secrets
from checker.verdict import Verdict

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that change the direction of the text around them."""


def _shown(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unsafe(char: str, keep_newlines: bool) -> bool:
    if char == "\n":
        return not keep_newlines
    if char in BIDI_CONTROLS:
        return True
    return unicodedata.category(char) == "Cc" or char in "\u2028\u2029"


def visible(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with control characters (C0, C1, DEL) and bidi controls written as
    ``\\xNN`` / ``\\uNNNN`` escapes; newlines kept unless ``keep_newlines`` is False."""
    if text.isprintable() and not any(c in BIDI_CONTROLS for c in text):
        return text  # the common case: nothing to do
    return "".join(_shown(c) if _unsafe(c, keep_newlines) else c for c in text)


def markdown_text(text: str) -> str:
    """Untrusted ``text`` for Markdown: HTML-escaped, controls and bidi made visible."""
    return html.escape(visible(text, keep_newlines=False), quote=False)


def scrubbed_verdict(verdict: Verdict) -> Verdict:
    """``verdict`` with no secret left in its error text."""
    clean = scrub_optional(verdict.error)
    return verdict if clean == verdict.error else verdict.model_copy(update={"error": clean})


def scrubbed(result: RunResult) -> RunResult:
    """``result`` with every secret taken out of its verdicts' errors and skipped records."""
    verdicts = []
    changed = False
    for verdict in result.verdicts:
        clean = scrub_optional(verdict.error)
        if clean != verdict.error:
            verdict = verdict.model_copy(update={"error": clean})
            changed = True
        verdicts.append(verdict)
    skipped = tuple(scrub_secrets(line) for line in result.run.skipped)
    if skipped != result.run.skipped:
        changed = True
    if not changed:
        return result
    run = result.run.model_copy(update={"skipped": skipped})
    return result.model_copy(update={"verdicts": tuple(verdicts), "run": run})
