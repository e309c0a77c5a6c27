"""Writing command output to stdout or to ``--out FILE``."""

from __future__ import annotations

import sys
from pathlib import Path


def emit(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` (created with its parent folders)."""
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
