"""Help text that reads at 80 columns: commands grouped by job, plain metavars.

Each command names its job with ``rich_help_panel`` (one of :data:`JOBS`) on its
``@app.command``; ``constitution --help`` lists the jobs in this order, each
command with its whole first sentence. Arguments and options show the metavars
people know from other tools (``PATH``, ``TEXT``, ``INTEGER``, ``[a|b]``,
``TRANSCRIPTS...``) rather than Python types (``<list[str]>``, ``{paths}``).
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

JOBS = ("Author", "Check", "Review")
"""The three jobs, in the order ``--help`` lists them; other commands come last."""
AUTHOR, CHECK, REVIEW = JOBS
TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "BOOLEAN"}


def plain_type(label: str) -> str:
    """``<list[str]>`` -> ``TEXT``; ``<a|b>`` -> ``[a|b]``; ``<int range>`` -> ``INTEGER``."""
    inner = label.strip("<>")
    found = re.fullmatch(r"list\[(.*)\]", inner)
    if found:
        inner = found.group(1)
    inner = inner.removesuffix(" range")
    if "|" in inner:
        return f"[{inner}]"
    return TYPE_WORDS.get(inner, inner.upper())


class _Argument(TyperArgument):
    """An argument shown as ``NAME`` or ``NAME...``, with no Python type."""

    def display_type(self, ctx: Any) -> str:
        return ""

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"


class _Option(TyperOption):
    """An option shown with a plain metavar (``--db PATH``, ``--mode [a|b]``)."""

    def display_type(self, ctx: Any) -> str:
        return plain_type(super().display_type(ctx))


def _tidy(command: Any) -> None:
    """Give every parameter of ``command`` (and its subcommands) plain metavars."""
    for param in getattr(command, "params", ()):
        if type(param) is TyperArgument:
            param.__class__ = _Argument
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
        elif type(param) is TyperOption:
            param.__class__ = _Option
    for sub in getattr(command, "commands", {}).values():
        _tidy(sub)


def first_sentence(command: Any) -> str:
    """A command's help up to its first full stop, whole (never cut with '...')."""
    text = " ".join((command.short_help or command.help or "").split("\n\n")[0].split())
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


class JobsGroup(TyperGroup):
    """A command group whose help lists commands by job (author, check, review)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _tidy(self)

    def list_commands(self, ctx: Any) -> list[str]:
        def rank(name: str) -> int:
            panel = getattr(self.commands[name], "rich_help_panel", None)
            return JOBS.index(panel) if panel in JOBS else len(JOBS)

        return sorted(self.commands, key=rank)  # stable: registration order within a job

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            command = self.commands[name]
            if command.hidden:
                continue
            panel = getattr(command, "rich_help_panel", None)
            title = f"{panel} commands" if panel in JOBS else "Commands"
            sections.setdefault(title, []).append((name, first_sentence(command)))
        for title, rows in sections.items():
            with formatter.section(title):
                formatter.write_dl(rows)


def version_callback(value: bool) -> None:
    """``--version``: print the installed version and exit."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"constitution {version('constitution')}")
        except PackageNotFoundError:
            typer.echo("constitution (not installed: run from a source tree)")
        raise typer.Exit()
