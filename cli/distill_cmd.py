"""``constitution distill``: fit the local judge on a stronger judge's stored verdicts,
or (``--labels FILE TRANSCRIPTS...``) on human labels, with cross-validation figures.

Exit codes: 0 when a model file was written; 2 when the store (or the labels) hold
nothing usable (or no principle could be fitted), or an input cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from checker.calibration import load_labels
from checker.distill import (
    DEFAULT_TEACHER,
    DistillError,
    DistillReport,
    LabelFitReport,
    distill,
    fit_labels,
)
from checker.judges import judge_names
from checker.store import open_store
from checker.transcripts import load_transcripts
from cli._app import app
from cli._config import store_path
from cli._files import require_files
from cli._help import REVIEW
from cli.check_cmd import DbOption
from constitution.load import load_constitution


@app.command("distill", rich_help_panel=REVIEW)
def distill_command(
    constitution: Annotated[Path, typer.Argument(help="The constitution file (YAML or Markdown).")],
    transcripts: Annotated[
        list[str] | None,
        typer.Argument(help="With --labels: the labelled transcripts (files, directories, globs)."),
    ] = None,
    *,
    out: Annotated[
        Path, typer.Option("--out", help="Write the fitted local judge model (JSON) here.")
    ],
    db: DbOption = None,
    from_judge: Annotated[
        str,
        typer.Option(
            "--from-judge",
            help="Learn from this judge's stored verdicts (the name they were stored under:"
            f" {', '.join(judge_names())}, ...).",
        ),
    ] = DEFAULT_TEACHER,
    from_model: Annotated[
        str | None,
        typer.Option("--from-model", help="Only verdicts made by this model of that judge."),
    ] = None,
    run: Annotated[
        list[str] | None,
        typer.Option(
            "--run", help="Only verdicts used by this run (an id or 'latest'; repeatable)."
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="Fit on human labels (the calibrate labels format) for the TRANSCRIPTS given,"
            " not on stored verdicts.",
        ),
    ] = None,
    folds: Annotated[
        int, typer.Option("--folds", min=0, help="With --labels: cross-validation folds (0: none).")
    ] = 5,
) -> None:
    """Fit the local judge on stored verdicts of a stronger judge for the current principles,
    or on human labels (--labels), printing grouped k-fold cross-validation figures.

    Use the model with `constitution check ... --judge local --model MODEL.json`.

    \b
    Example:
      constitution distill fixtures/general-assistant.yaml --out model.json
    """
    require_files([constitution, *(transcripts or []), labels])
    rules = load_constitution(constitution)
    if labels is not None:
        if not transcripts:
            raise DistillError("--labels needs the labelled transcripts as arguments")
        fitted, fit_report = fit_labels(
            rules, load_transcripts(transcripts), load_labels(labels), folds=folds
        )
        fitted.save(out)
        typer.echo(f"fitted on {fit_report.used} labels from {labels}:")
        for line in describe_labels(fit_report):
            typer.echo(f"  {line}")
        typer.echo(f"wrote {out} ({len(fitted.models)} principles fitted)")
        return
    if transcripts:
        raise DistillError("transcripts are read only with --labels")
    with open_store(store_path(db)) as store:
        judge, report = distill(store, rules, judge_name=from_judge, model=from_model, runs=run)
        where = store.path
    judge.save(out)
    typer.echo(f"distilled {report.total_pairs} verdicts by {from_judge} from {where}:")
    for line in describe(report):
        typer.echo(f"  {line}")
    typer.echo(f"wrote {out} ({len(judge.models)} principles fitted)")
    typer.echo(f"use it: constitution check {constitution} TRANSCRIPTS --judge local --model {out}")


def describe(report: DistillReport) -> list[str]:
    """One line per principle (pairs by label, and whether it was fitted), then what was left."""
    lines = []
    for principle_id, counts in report.pairs.items():
        labels = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
        pairs = sum(counts.values())
        if principle_id in report.fitted:
            examples = sum(report.fitted[principle_id].values()) - pairs
            lines.append(f"{principle_id}: {pairs} pairs ({labels}) + {examples} examples")
        else:
            why = report.skipped.get(principle_id, "not fitted")
            lines.append(f"{principle_id}: {pairs} pairs ({labels}), not fitted: {why}")
    left = []
    older = sum(report.older_versions.values())
    if older:
        left.append(f"{older} for earlier principle versions")
    if report.out_of_scope:
        left.append(f"{report.out_of_scope} out of scope")
    if report.missing_transcripts:
        left.append(f"{report.missing_transcripts} without a stored transcript")
    if left:
        lines.append(f"not used: {'; '.join(left)}")
    return lines


def describe_labels(report: LabelFitReport) -> list[str]:
    """Per principle: labels used, whether fitted, and its cross-validation figures."""
    lines = []
    for principle_id, counts in sorted(report.pairs.items()):
        shown = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
        state = (
            ""
            if principle_id in report.fitted
            else (f", not fitted: {report.skipped.get(principle_id, 'no model')}")
        )
        lines.append(f"{principle_id}: {sum(counts.values())} labels ({shown}){state}")
        cv = report.cv.get(principle_id)
        if cv is not None:
            lines.append(
                f"  {report.folds}-fold CV by transcript: accuracy {_fmt(cv.accuracy)}, "
                f"F1 (violates) {_fmt(cv.f1)}, coverage {cv.coverage:.3f} "
                f"({cv.decided}/{cv.pairs} decided)"
            )
    left = []
    if report.stale:
        left.append(f"{report.stale} made for another principle revision")
    if report.unmatched:
        left.append(f"{report.unmatched} naming no given transcript")
    if left:
        lines.append(f"not used: {'; '.join(left)}")
    return lines


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
