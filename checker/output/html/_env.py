"""The Jinja2 environment (autoescape always on), the inline assets and the page's CSP.

The stylesheet and the script are inlined from package files and allowed by their
sha256 hashes, so the Content-Security-Policy can forbid everything else: no
other script runs (not even one that slipped past escaping), and nothing is
fetched, which is also why the page works from ``file://`` with no network.
Bidirectional text is isolated: every interpolated value holding a bidi control is
wrapped in FSI ... PDI, and the stylesheet isolates cells, quotes and code.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _pct(rate: float | None, digits: int = 1) -> str:
    return "-" if rate is None else f"{rate * 100:.{digits}f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _thousands(value: int) -> str:
    return f"{value:,}"


_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def isolate_bidi(value: Any) -> Any:
    """Text holding bidi controls, wrapped in FSI ... PDI (U+2068, U+2069): an override
    inside cannot reorder what follows it, in element text and attributes alike."""
    if isinstance(value, str) and _BIDI.search(value):
        return Markup("\u2068") + value + Markup("\u2069")  # a plain str is escaped by +
    return value


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=_pct, num=_num, thousands=_thousands)
    env.finalize = isolate_bidi
    return env


def template(name: str) -> Template:
    return environment().get_template(name)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@cache
def assets() -> tuple[str, str, str]:
    """(stylesheet, script, Content-Security-Policy) for every report page."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    for name, text, closing in (("report.css", css, "</style"), ("report.js", js, "</script")):
        if closing in text.lower():
            raise RuntimeError(f"{name} must not contain {closing!r}")
    csp = (
        f"default-src 'none'; script-src '{_sha256(js)}'; style-src '{_sha256(css)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return css, js, csp


__all__ = ["TEMPLATES", "assets", "environment", "template"]
