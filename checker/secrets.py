"""Scrubbing secrets out of text before it is stored or printed.

A server that refuses a key may echo it in its error text, and that text becomes
an ``error`` verdict: stored, then printed in every report. :func:`scrub_secrets`
replaces, in any text:

- the keys this process knows: the values of :data:`SECRET_ENV_VARS` and any key
  a judge was given directly (:func:`register_secret`);
- anything shaped like a key: ``sk-ant-...`` and ``sk-...`` keys, ``Bearer``
  tokens, and long high-entropy tokens just after a word such as ``key``,
  ``token``, ``secret`` or ``authorization``.

Each is replaced by :data:`REDACTED`. Judges scrub their errors where the
verdict is built, the runner scrubs its own, the store scrubs what it writes and
the renderings scrub again (defence in depth).
"""

from __future__ import annotations

import os
import re
import threading

REDACTED = "[REDACTED]"
SECRET_ENV_VARS: tuple[str, ...] = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "OPENAI_API_KEY",
)
"""Environment variables whose values are secrets wherever they show up."""
MIN_SECRET_CHARS = 8
"""Shorter values are not scrubbed verbatim (a test key ``"test"`` is no secret, and
scrubbing it would mangle ordinary words)."""

_registered: set[str] = set()
_lock = threading.Lock()

_SHAPES = re.compile(
    r"\bsk-ant-[A-Za-z0-9_\-]{8,}"  # Anthropic keys
    r"|\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}"  # OpenAI-style keys
    r"|(?i:bearer)\s{1,3}(?=[A-Za-z._~+/\-]*\d)[A-Za-z0-9._~+/\-]{8,}=*"  # Bearer tokens
)
_NEAR_WORD = re.compile(
    r"(?i)((?:api[_\- ]?key|x-api-key|key|token|secret|password|authorization|credential)s?"
    r"[\"']?\s{0,3}(?:[:=]|is|was)?\s{0,3}[\"']?)"  # bounded: no quadratic backtracking
    r"([A-Za-z0-9_\-./+=]{24,})"
)


def register_secret(value: str | None) -> None:
    """Treat ``value`` (a key passed to a judge directly) as a secret from now on."""
    if value and len(value) >= MIN_SECRET_CHARS:
        with _lock:
            _registered.add(value)


def known_secrets() -> list[str]:
    """The secrets scrubbed verbatim: configured keys and registered ones, longest first."""
    found = {os.environ.get(name, "") for name in SECRET_ENV_VARS}
    with _lock:
        found |= _registered
    return sorted((s for s in found if len(s) >= MIN_SECRET_CHARS), key=len, reverse=True)


def _high_entropy(token: str) -> bool:
    """A token that looks generated: letters and digits mixed, few repeats."""
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    return has_digit and has_alpha and len(set(token)) >= 10


def _redact_near_word(match: re.Match[str]) -> str:
    token = match.group(2)
    return match.group(1) + REDACTED if _high_entropy(token) else match.group(0)


def scrub_secrets(text: str, extra: tuple[str, ...] = ()) -> str:
    """``text`` with every known or key-shaped secret replaced by :data:`REDACTED`."""
    if not text:
        return text
    for secret in (*extra, *known_secrets()):
        if len(secret) >= MIN_SECRET_CHARS and secret in text:
            text = text.replace(secret, REDACTED)
    text = _SHAPES.sub(REDACTED, text)
    return _NEAR_WORD.sub(_redact_near_word, text)


def scrub_optional(text: str | None) -> str | None:
    """:func:`scrub_secrets` for an optional field."""
    return None if text is None else scrub_secrets(text)


__all__ = [
    "MIN_SECRET_CHARS",
    "REDACTED",
    "SECRET_ENV_VARS",
    "known_secrets",
    "register_secret",
    "scrub_optional",
    "scrub_secrets",
]
