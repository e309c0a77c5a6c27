"""``constitution distill``: fit the local judge on a stronger judge's stored verdicts.

Exit codes: 0 when a model file was written; 2 when the store holds no usable
verdicts (or no principle could be fitted), or the constitution cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from checker.distill import DEFAULT_TEACHER, DistillReport, distill
from checker.judges import judge_names
from checker.store import open_store
from cli._app import app
from cli.check_cmd import DbOption
from constitution.load import load_constitution


@app.command("distill")
def distill_command(
    constitution: Annotated[
        Path, typer.Argument(exists=True, help="The constitution file (YAML or Markdown).")
    ],
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
) -> None:
    """Fit the local judge on stored verdicts of a stronger judge for the current principles.

    Use the model with `constitution check ... --judge local --model MODEL.json`.
    """
    rules = load_constitution(constitution)
    with open_store(db) as store:
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
