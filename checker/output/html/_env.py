"""The Jinja2 environment (autoescape always on), the inline assets and the page's CSP.

The stylesheet and the script are inlined from package files and allowed by their
sha256 hashes, so the Content-Security-Policy can forbid everything else: no
other script runs (not even one that slipped past escaping), and nothing is
fetched, which is also why the page works from ``file://`` with no network.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _pct(rate: float | None, digits: int = 1) -> str:
    return "-" if rate is None else f"{rate * 100:.{digits}f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _thousands(value: int) -> str:
    return f"{value:,}"


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
