"""Narrow terminals: tables switch to one block per row; ids are never cut."""

from __future__ import annotations

import io

from rich.console import Console

from cli._tables import print_rows

COLUMNS = ("principle", "status", "violation rate", "changed", "paired", "McNemar p")
ROWS = [
    ("teaching.guiding-questions (was teaching.socratic)", "changed", "- -> -", "0", "12", "1.000"),
    ("wellbeing.stress", "unchanged", "0.0% -> 8.3%", "1", "12", "1.000"),
]


def _render(width: int, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None)
    print_rows(console, COLUMNS, ROWS, right=("changed", "paired", "McNemar p"))
    return out.getvalue()


def test_a_wide_terminal_gets_the_table() -> None:
    text = _render(200, terminal=True)
    assert text.splitlines()[0].split() == [
        "principle", "status", "violation", "rate", "changed", "paired", "McNemar", "p"
    ]  # fmt: skip
    assert "teaching.guiding-questions (was teaching.socratic)  changed" in text


def test_a_narrow_terminal_gets_one_block_per_row_nothing_cut() -> None:
    text = _render(60, terminal=True)
    assert "…" not in text
    lines = text.splitlines()
    assert lines[0] == "teaching.guiding-questions (was teaching.socratic)"
    assert all(len(line.rstrip()) <= 60 for line in lines)
    assert "  status unchanged · violation rate 0.0% -> 8.3% · changed 1" in text


def test_a_pipe_gets_the_whole_table_however_wide() -> None:
    text = _render(40, terminal=False)
    assert "…" not in text
    assert "teaching.guiding-questions (was teaching.socratic)" in text.splitlines()[1]
