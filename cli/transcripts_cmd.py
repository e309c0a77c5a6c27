"""``constitution transcripts``: read transcripts in the formats users have; show, count."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from enum import StrEnum
from itertools import islice
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from checker.output import visible
from checker.transcript import (
    ImagePart,
    Message,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.transcripts import (
    Spread,
    TranscriptFormat,
    TranscriptStats,
    TranscriptStream,
    load_transcripts,
    parse_mapping,
    transcript_stats,
)
from cli._app import app
from cli._config import configured_choice
from cli._files import require_files
from cli._help import CHECK

transcripts_app = typer.Typer(
    help="Read transcripts (Anthropic, OpenAI, Inspect logs, text, CSV/JSONL): show, count.",
    no_args_is_help=True,
)
app.add_typer(transcripts_app, name="transcripts", rich_help_panel=CHECK)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


Paths = Annotated[
    list[str],
    typer.Argument(help="Files, directories (searched recursively), globs, or - for stdin."),
]
InputFormat = Annotated[
    TranscriptFormat | None,
    typer.Option("--input-format", "--from", help="Read every file in this format (no detection)."),
]
Mapping = Annotated[
    str | None,
    typer.Option("--map", help="Table columns: prompt=COL,response=COL,id=COL,system=COL."),
]
Encoding = Annotated[
    str,
    typer.Option(
        "--encoding",
        help="Encoding of CSV, TSV and text files, e.g. cp1252 (JSON is always UTF-8).",
    ),
]
DEFAULT_ENCODING = "utf-8-sig"
SkipInvalid = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Report invalid records on stderr and go on reading."),
]

_ROLE_STYLES = {
    "system": "bold yellow",
    "user": "bold cyan",
    "assistant": "bold green",
    "tool": "bold magenta",
}


def _open(
    paths: list[str],
    input_format: TranscriptFormat | None,
    mapping: str | None,
    skip_invalid: bool,
    encoding: str,
) -> TranscriptStream:
    input_format = configured_choice(TranscriptFormat, input_format, "input_format")
    try:
        columns = parse_mapping(mapping) if mapping else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--map") from None
    return load_transcripts(
        paths, format=input_format, mapping=columns, skip_invalid=skip_invalid, encoding=encoding
    )


def _report_skipped(stream: TranscriptStream) -> None:
    for error in stream.skipped:
        typer.echo(f"skipped: {error}", err=True)
    if stream.skipped:
        typer.echo(f"skipped {len(stream.skipped)} invalid record(s)", err=True)


@transcripts_app.command()
def show(
    paths: Paths,
    format: Annotated[
        OutputFormat,
        typer.Option("--format", help="text: readable; json: one normalised transcript per line."),
    ] = OutputFormat.TEXT,
    input_format: InputFormat = None,
    map: Mapping = None,
    skip_invalid: SkipInvalid = False,
    encoding: Encoding = DEFAULT_ENCODING,
    limit: Annotated[int | None, typer.Option(help="Show at most this many transcripts.")] = None,
    max_chars: Annotated[
        int,
        typer.Option(help="Cut each text or tool output after this many characters (0: never)."),
    ] = 2000,
) -> None:
    """Print transcripts readably, or as normalised JSON lines.

    \b
    Example:
      constitution transcripts show fixtures/demo/chats.jsonl --limit 2
    """
    require_files(paths)
    stream = _open(paths, input_format, map, skip_invalid, encoding)
    transcripts = islice(stream, limit)
    if format is OutputFormat.JSON:
        for transcript in transcripts:
            sys.stdout.write(transcript.model_dump_json() + "\n")
    else:
        console = Console(highlight=False, markup=False)
        for transcript in transcripts:
            _render(console, transcript, max_chars)
    _report_skipped(stream)


@transcripts_app.command()
def stats(
    paths: Paths,
    format: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.TEXT
    ),
    input_format: InputFormat = None,
    map: Mapping = None,
    skip_invalid: SkipInvalid = False,
    encoding: Encoding = DEFAULT_ENCODING,
) -> None:
    """Count transcripts by format, role, tool use and length.

    \b
    Example:
      constitution transcripts stats fixtures/transcripts/*.jsonl
    """
    require_files(paths)
    stream = _open(paths, input_format, map, skip_invalid, encoding)
    counts = transcript_stats(stream)
    summary = _stats_dict(counts, len(stream.skipped))
    if format is OutputFormat.JSON:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        _print_stats(Console(highlight=False), summary)
    _report_skipped(stream)


def _render(console: Console, transcript: Transcript, max_chars: int) -> None:
    meta = transcript.metadata
    where = str(meta.get("source", ""))
    if meta.get("line") is not None:
        where += f":{meta['line']}"
    title = " · ".join(str(x) for x in (transcript.id, meta.get("format"), where) if x)
    console.rule(Text(visible(title, keep_newlines=False), style="bold"))
    for message in transcript.messages:
        console.print(Text(message.role.value, style=_ROLE_STYLES.get(message.role.value, "")))
        for line in _message_lines(message, max_chars):
            console.print(Padding(line, (0, 0, 0, 2)))
    console.print()


def _message_lines(message: Message, max_chars: int) -> Iterable[Text]:
    for line in _raw_message_lines(message, max_chars):
        line.plain = visible(line.plain)  # no escape sequence or bidi override reaches the terminal
        yield line


def _raw_message_lines(message: Message, max_chars: int) -> Iterable[Text]:
    for part in message.parts:
        if isinstance(part, TextPart):
            yield Text(_cut(part.text, max_chars))
        elif isinstance(part, ReasoningPart):
            shown = "[redacted]" if part.redacted and not part.text else part.text
            yield Text(f"thinking: {_cut(shown, max_chars)}", style="dim italic")
        elif isinstance(part, ToolCallPart):
            arguments = json.dumps(part.input, ensure_ascii=False)
            call = f"→ {part.name}({_cut(arguments, max_chars)})"
            yield Text(call + (f"  [{part.id}]" if part.id else ""), style="blue")
        elif isinstance(part, ToolResultPart):
            label = f"← [{part.call_id}] " if part.call_id else "← "
            if part.output or part.error is None:
                yield Text(label + _cut(part.output, max_chars), style="magenta")
            if part.error is not None:
                yield Text(f"{label}error: {_cut(part.error, max_chars)}", style="bold red")
        elif isinstance(part, ImagePart):
            detail = " ".join(x for x in (part.media_type, part.description) if x)
            yield Text(f"[image{' ' + detail if detail else ''}]", style="dim")
    for other in message.metadata.get("other_content", []):
        kind = other.get("type", "content") if isinstance(other, dict) else "content"
        yield Text(f"[{kind}]", style="dim")


def _cut(text: str, max_chars: int) -> str:
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}… [{len(text) - max_chars} more characters]"


def _stats_dict(counts: TranscriptStats, skipped: int) -> dict[str, Any]:
    def spread(value: Spread | None) -> dict[str, float] | None:
        return (
            None
            if value is None
            else {
                "min": value.min,
                "median": value.median,
                "mean": round(value.mean, 1),
                "max": value.max,
                "total": value.total,
            }
        )

    return {
        "transcripts": counts.transcripts,
        "skipped": skipped,
        "by_format": dict(counts.by_format.most_common()),
        "messages_by_role": dict(counts.messages_by_role.most_common()),
        "parts_by_type": dict(counts.parts_by_type.most_common()),
        "tool_use": {
            "transcripts_with_tool_calls": counts.with_tool_calls,
            "tool_calls": counts.tool_calls,
            "tool_errors": counts.tool_errors,
            "tools": dict(counts.tools_used.most_common()),
        },
        "messages_per_transcript": spread(counts.messages_per_transcript),
        "chars_per_transcript": spread(counts.chars_per_transcript),
    }


def _print_stats(console: Console, summary: dict[str, Any]) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("transcripts", str(summary["transcripts"]))
    table.add_row("skipped", str(summary["skipped"]))
    for key, label in (
        ("by_format", "formats"),
        ("messages_by_role", "messages by role"),
        ("parts_by_type", "parts by type"),
    ):
        table.add_row(label, _counts(summary[key]))
    tools = summary["tool_use"]
    table.add_row(
        "tool use",
        f"{tools['transcripts_with_tool_calls']} transcripts, "
        f"{tools['tool_calls']} calls, {tools['tool_errors']} errors",
    )
    table.add_row("tools", _counts(tools["tools"]))
    for key, label in (
        ("messages_per_transcript", "messages/transcript"),
        ("chars_per_transcript", "characters/transcript"),
    ):
        value = summary[key]
        text = (
            "-"
            if value is None
            else (
                f"min {value['min']} · median {value['median']:g} · mean {value['mean']:g} · "
                f"max {value['max']}"
            )
        )
        table.add_row(label, text)
    console.print(table)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items()) or "-"
