"""Writing command output to stdout or to ``--out FILE``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def emit(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` (created with its parent folders)."""
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def emit_stream(render: Callable[[Callable[[str], object]], None], out: Path | None) -> None:
    """Let ``render`` write its output piece by piece to stdout or to ``out``."""
    if out is None:
        render(sys.stdout.write)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        render(handle.write)
