"""``constitution diff``: what changed between two revisions, in the text and in behaviour.

    constitution diff OLD NEW                          # text diff (files, dirs, git revisions)
    constitution diff FILE                             # FILE at HEAD against the working tree
    constitution diff OLD NEW --transcripts PATH       # + behaviour diff through the store
    constitution diff CONSTITUTION --transcripts A --against B   # two transcript sets
    constitution diff HEAD~1 spec.md --import          # a prose spec, imported at both

Exit code 0 (1 with ``--fail-on-unbumped`` when a principle's content changed but its
version did not), 2 for bad input.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from checker.behaviour_diff import (
    DEFAULT_NOISE_TRANSCRIPTS,
    BehaviourDiff,
    adiff_behaviour,
    adiff_transcript_sets,
)
from checker.diff_output import render_diff_json, render_diff_markdown, unbumped
from checker.errors import CheckerError
from checker.judges import Judge, close_judge
from checker.runner import CheckProgress, ProgressCallback, SpendingCap, arun_check
from checker.store import open_store
from checker.transcript import Transcript
from checker.transcripts import load_checked_transcripts
from cli._app import app
from cli._batch_cli import BatchOption
from cli._config import DB_HELP, store_path
from cli._diff_terminal import print_behaviour_diff, print_text_diff
from cli._files import require_files
from cli._help import REVIEW
from cli._judges import (
    DEFAULT_JUDGE,
    BaseUrlOption,
    JudgeOption,
    MaxCostOption,
    ModelOption,
    TimeoutOption,
    build_judge,
)
from cli._output import emit
from constitution.diff import ConstitutionDiff, diff_constitutions
from constitution.importer import import_spec
from constitution.model import Constitution
from constitution.revisions import RevisionError, load_revision, read_revision_text


class DiffFormat(StrEnum):
    TERMINAL = "terminal"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"


def _path_of(spec: str) -> Path | None:
    """The file a spec names: itself if it exists, the path part of ``rev:path``, else None."""
    if Path(spec).exists():
        return Path(spec)
    _, sep, path = spec.partition(":")
    return Path(path) if sep and path else None


def _import_revision(spec: str, *, default_path: Path | None = None) -> Constitution:
    text, source = read_revision_text(spec, default_path=default_path)
    result = import_spec(text, source=source)
    if result.warnings:
        print(f"{source}: imported with {len(result.warnings)} warning(s)", file=sys.stderr)
    return result.constitution


def load_pair(
    old: str, new: str | None, *, prose: bool = False
) -> tuple[Constitution, Constitution]:
    """Both revisions; with no ``new``, ``old`` at HEAD against the working tree.

    With ``prose`` both are prose Markdown specs, imported as ``constitution import`` does.
    """
    load = _import_revision if prose else load_revision
    if new is None:
        try:
            at_head = load("HEAD", default_path=Path(old))
        except RevisionError as exc:
            raise RevisionError(
                f"{old}: give a NEW revision too, or diff a file tracked by git ({exc})"
            ) from exc
        return at_head, load(old)
    return load(old, default_path=_path_of(new)), load(new, default_path=_path_of(old))


def _read(paths: list[str]) -> list[Transcript]:
    items = list(load_checked_transcripts(paths))
    if not items:
        raise CheckerError(f"no transcripts found in {', '.join(paths)}")
    return items


async def _graded(judge: Judge, start: Callable[[ProgressCallback], Any]) -> BehaviourDiff:
    """Run the diff with a progress bar on stderr (a terminal only), then close the judge."""
    console = Console(stderr=True)
    columns = (
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[calls]} calls"),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("grading", total=None, calls=0)

        def update(state: CheckProgress) -> None:
            bar.update(task, total=state.total, completed=state.done, calls=state.calls)

        try:
            result: BehaviourDiff = await start(update)
            return result
        finally:
            await close_judge(judge)


@app.command(rich_help_panel=REVIEW)
def diff(
    old: Annotated[
        str, typer.Argument(help="Old revision: a file, a directory or a git revision (HEAD~1).")
    ],
    new: Annotated[
        str | None,
        typer.Argument(help="New revision (default: OLD at HEAD against the working tree)."),
    ] = None,
    transcripts: Annotated[
        list[str] | None,
        typer.Option(
            "--transcripts", help="Also diff behaviour: grade these transcripts under both."
        ),
    ] = None,
    against: Annotated[
        list[str] | None,
        typer.Option(
            "--against",
            help="Compare --transcripts (A) with these transcripts (B) under one constitution.",
        ),
    ] = None,
    judge: JudgeOption = DEFAULT_JUDGE,
    model: ModelOption = None,
    timeout: TimeoutOption = None,
    base_url: BaseUrlOption = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help=DB_HELP,
        ),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            min=0, help="K: re-grade a sample K more times to estimate the judge's noise."
        ),
    ] = 2,
    noise_transcripts: Annotated[
        int, typer.Option(min=0, help="How many transcripts the noise estimate re-grades.")
    ] = DEFAULT_NOISE_TRANSCRIPTS,
    concurrency: Annotated[int, typer.Option(min=1, help="Most judge calls in flight.")] = 16,
    max_cost: MaxCostOption = None,
    batch: BatchOption = False,
    output_format: Annotated[
        DiffFormat,
        typer.Option("--format", help="terminal, markdown (PR comment), json or html."),
    ] = DiffFormat.TERMINAL,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the output to this file instead of stdout.")
    ] = None,
    prose: Annotated[
        bool,
        typer.Option(
            "--import", help="OLD and NEW are prose Markdown specs: import both, then diff."
        ),
    ] = False,
    fail_on_unbumped: Annotated[
        bool,
        typer.Option(help="Exit 1 when a principle's content changed but its version did not."),
    ] = False,
) -> None:
    """Diff two revisions principle by principle; with --transcripts, diff behaviour too.

    \b
    Example:
      constitution diff fixtures/revisions/v1.yaml fixtures/revisions/v2.yaml
    """
    require_files(transcripts or [])
    if against and not transcripts:
        raise CheckerError("--against needs --transcripts: the two sets to compare")
    if against and new is not None:
        raise CheckerError(
            "--against compares two transcript sets under one constitution: give one revision"
        )
    text: ConstitutionDiff | None = None
    behaviour: BehaviourDiff | None = None
    shown: tuple[list[Transcript], list[Transcript]] = ([], [])
    options: dict[str, Any] = {
        "samples": samples,
        "noise_transcripts": noise_transcripts,
        "concurrency": concurrency,
    }
    if batch:
        options["batch"] = True  # waits for the batches: the diff needs every verdict
    if max_cost is not None:
        options["checker"] = SpendingCap(max_cost, "behaviour diff").checker(arun_check)
    if against:
        rules = _import_revision(old) if prose else load_revision(old)
        grader = build_judge(judge, model, timeout, base_url=base_url)
        set_a, set_b = _read(transcripts or []), _read(against)
        shown = (set_a, set_b)
        with open_store(store_path(db)) as store:
            behaviour = asyncio.run(
                _graded(
                    grader,
                    lambda progress: adiff_transcript_sets(
                        rules, set_a, set_b, grader, store, progress=progress, **options
                    ),
                )
            )
    else:
        before, after = load_pair(old, new, prose=prose)
        text = diff_constitutions(before, after)
        if transcripts:
            grader = build_judge(judge, model, timeout, base_url=base_url)
            items = _read(transcripts)
            shown = (items, [])
            with open_store(store_path(db)) as store:
                behaviour = asyncio.run(
                    _graded(
                        grader,
                        lambda progress: adiff_behaviour(
                            before, after, items, grader, store, progress=progress, **options
                        ),
                    )
                )
    if behaviour is not None:
        b, a = behaviour.before, behaviour.after
        print(
            f"judge calls: {b.label} {b.calls}, {a.label} {a.calls} ({a.cache_hits} cache hits),"
            f" noise {behaviour.noise_calls}; {behaviour.flips} flip(s)"
            + (
                f"; {behaviour.abstained_pairs} pair(s) left out: the judge abstained"
                if behaviour.abstained_pairs
                else ""
            ),
            file=sys.stderr,
        )
    _emit(text, behaviour, output_format, out, shown)
    if fail_on_unbumped and text is not None and unbumped(text):
        raise typer.Exit(1)


def _emit(
    text: ConstitutionDiff | None,
    behaviour: BehaviourDiff | None,
    output_format: DiffFormat,
    out: Path | None,
    transcripts: tuple[list[Transcript], list[Transcript]],
) -> None:
    if output_format is DiffFormat.HTML:
        from checker.output.html import render_diff_html

        before, after = transcripts
        emit(render_diff_html(text, behaviour, before, after or None), out)
        return
    if output_format is DiffFormat.JSON:
        emit(render_diff_json(text, behaviour), out)
        return
    if output_format is DiffFormat.MARKDOWN:
        emit(render_diff_markdown(text, behaviour), out)
        return
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    handle = sys.stdout if out is None else out.open("w", encoding="utf-8")
    try:
        width = None if out is None else 120
        console = Console(file=handle, highlight=False, markup=False, width=width)
        if text is not None:
            print_text_diff(console, text)
        if behaviour is not None:
            print_behaviour_diff(console, behaviour)
    finally:
        if out is not None:
            handle.close()
