"""Terminal rendering of text and behaviour diffs (rich): a coloured word diff."""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from checker.behaviour_diff import BehaviourDiff, PrincipleBehaviour
from checker.diff_output import (
    abstention_note,
    count_line,
    flip_reply,
    fmt_p,
    fmt_rate,
    rate_change,
    unbumped,
    verdict_word,
)
from checker.output import visible
from cli._tables import print_rows
from constitution.diff import Change, ChangeKind, ConstitutionDiff
from constitution.worddiff import SpanOp, WordSpan, condense

_COUNTS = (
    "changed",
    "paired",
    "abstained",
    "->violates",
    "->complies",
    "McNemar p",
    "noise",
    "beyond noise",
)
"""The right-aligned columns of the behaviour diff table."""
_HEAD_STYLE = {
    ChangeKind.ADDED: ("+", "bold green"),
    ChangeKind.REMOVED: ("-", "bold red"),
    ChangeKind.RENAMED: (">", "bold yellow"),
}


def word_text(spans: tuple[WordSpan, ...], *, markers: bool = False) -> Text:
    """Deleted words red and struck through, inserted words green and underlined.

    With ``markers`` (no colour: a file or a pipe) they read ``[-old-]{+new+}`` as in
    ``git diff --word-diff``.
    """
    text = Text()
    for span in spans:
        if span.op is SpanOp.DELETE:
            text.append(f"[-{span.text}-]" if markers else span.text, style="red strike")
        elif span.op is SpanOp.INSERT:
            text.append(f"{{+{span.text}+}}" if markers else span.text, style="bold green")
        else:
            text.append(span.text)
    return text


def _change_line(change: Change, markers: bool) -> Padding | Text:
    """One change, indented. Without colour (a pipe or a file) it stays on one line."""
    line = Text()
    if change.kind is ChangeKind.REWORDED:
        line.append(f"{change.field}: ", style="bold")
        line.append_text(word_text(condense(change.words), markers=markers))
    elif change.kind is ChangeKind.VERSION_NOT_BUMPED:
        line.append(f"! {change.summary}", style="bold red")
    else:
        line.append(change.summary)
    if markers:
        return Text("    ").append_text(line)
    return Padding(line, (0, 0, 0, 4), expand=False)


def print_text_diff(console: Console, diff: ConstitutionDiff) -> None:
    old, new = diff.old, diff.new
    markers = console.color_system is None
    console.print(
        Text.assemble(
            ("constitution diff ", "bold"),
            f"{old.id} {old.version} -> {new.id} {new.version}  ",
            (f"({old.principles} -> {new.principles} principles)", "dim"),
        )
    )
    console.print(count_line(diff))
    missing = unbumped(diff)
    if missing:
        console.print(
            Text(f"version not bumped after a content change: {', '.join(missing)}", "bold red")
        )
    if diff.document_changes:
        console.print(Text("\ndocument", style="bold"))
        for change in diff.document_changes:
            console.print(_change_line(change, markers), soft_wrap=markers)
    for pid, changes in diff.by_principle().items():
        mark, style = next(
            (_HEAD_STYLE[c.kind] for c in changes if c.kind in _HEAD_STYLE), ("~", "bold cyan")
        )
        console.print(Text(f"\n{mark} {pid}", style=style))
        for change in changes:
            console.print(_change_line(change, markers), soft_wrap=markers)
    if diff.unchanged:
        console.print(Text(f"\n{len(diff.unchanged)} principle(s) unchanged", style="dim"))


def _data(text: str) -> Text:
    """Transcript or model text for a cell: never read as markup, controls shown as escapes."""
    return Text(visible(text))


def _flip_table(row: PrincipleBehaviour) -> Table:
    table = Table(title=f"{row.principle_id}: flips", title_justify="left", show_lines=True)
    for column in ("transcript", "reply", "before", "after", "rationale before", "rationale after"):
        table.add_column(column, overflow="fold")
    for flip in row.flips:
        transcript = flip.before_transcript
        if flip.after_transcript != transcript:
            transcript += f" -> {flip.after_transcript}"
        table.add_row(
            _data(transcript),
            _data(flip_reply(flip)),
            Text(flip.before.value, style="red" if flip.before.value == "violates" else "green"),
            Text(flip.after.value, style="red" if flip.after.value == "violates" else "green"),
            _data(flip.before_rationale),
            _data(flip.after_rationale),
        )
    return table


def print_behaviour_diff(console: Console, diff: BehaviourDiff) -> None:
    b, a = diff.before, diff.after
    console.print(
        Text.assemble(
            ("\nbehaviour diff ", "bold"),
            f"{b.label}: {b.constitution_id} {b.constitution_version}, {b.transcripts} "
            f"transcripts -> {a.label}: {a.constitution_id} {a.constitution_version}, "
            f"{a.transcripts} transcripts",
        )
    )
    console.print(
        f"judge {diff.judge}/{diff.model}; calls: {b.label} {b.calls}, {a.label} {a.calls} "
        f"({a.cache_hits} cache hits), noise {diff.noise_calls} (K={diff.noise_samples})"
    )
    columns = ("principle", "status", "violation rate", *_COUNTS)
    rows = []
    for row in diff.principles:
        name = row.principle_id + (f" (was {row.old_id})" if row.old_id else "")
        beyond = verdict_word(row)
        rows.append(
            (
                name,
                row.status.value,
                rate_change(row, "->"),
                str(row.outcome_changes),
                str(row.paired),
                str(row.abstained_pairs),
                str(row.to_violates),
                str(row.to_complies),
                fmt_p(row.p_value),
                fmt_rate(row.noise.rate) if row.noise is not None else "-",
                Text(beyond, style="bold red" if beyond == "yes" else ""),
            )
        )
    print_rows(console, columns, rows, right=_COUNTS)
    for row in diff.principles:
        note = abstention_note(row)
        if note:
            console.print(note, soft_wrap=True, markup=False, highlight=False)
    for row in diff.principles:
        if row.flips:
            console.print(_flip_table(row))


__all__ = ["print_behaviour_diff", "print_text_diff", "word_text"]
