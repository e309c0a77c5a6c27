"""``constitution audit``: plan scenarios, run them against a target, check and compare.

constitution audit plan CONSTITUTION --out scenarios.yaml [--per-principle K] [--tensions]
constitution audit run CONSTITUTION scenarios.yaml --target MODEL [--target MODEL2]
constitution audit check CONSTITUTION [--audit ID] --judge JUDGE [--html report.html]
constitution audit compare CONSTITUTION --audit A --audit B   # two targets
constitution audit compare CONSTITUTION --audit A --revision NEW.yaml
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from checker.audit import list_audits
from checker.audit.clients import ChatClient, make_client
from checker.audit.compare import acompare_audits, acompare_revisions
from checker.audit.plan import DEFAULT_MAX_TENSIONS, aplan_scenarios
from checker.audit.render import render_report_json, render_report_markdown
from checker.audit.report import acheck_audit
from checker.audit.run import AuditRun, AuditSettings, aestimate_audit, arun_audit
from checker.audit.scenarios import dump_scenarios, load_scenarios
from checker.diff_output import render_diff_json, render_diff_markdown
from checker.judges import close_judge
from checker.judges.anthropic import DEFAULT_MODEL
from checker.store import open_store
from cli._app import app
from cli._config import DB_HELP, store_path
from cli._help import REVIEW
from cli._judges import (
    DEFAULT_JUDGE,
    JudgeOption,
    ModelOption,
    TimeoutOption,
    build_judge,
)
from cli._output import emit
from constitution.load import load_constitution

AUDITOR_ENV = "CONSTITUTION_AUDITOR_MODEL"
EXIT_INTERRUPTED = 130
T = TypeVar("T")

audit_app = typer.Typer(
    help="Audit a model against the constitution: plan scenarios, run, check, compare.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit", rich_help_panel=REVIEW)

ConstitutionArg = Annotated[Path, typer.Argument(help="Constitution file.")]
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help=DB_HELP),
]
AuditorOption = Annotated[
    str | None,
    typer.Option(
        "--auditor",
        help=f"Auditor model, provider:model or model (default: ${AUDITOR_ENV}, else"
        f" {DEFAULT_MODEL}). Anthropic reads ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY.",
    ),
]
ModelTimeout = Annotated[
    float | None,
    typer.Option("--model-timeout", min=0.001, help="Seconds one auditor/target request may take."),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="markdown (also for the terminal) or json.")
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the report to FILE.")]


def _auditor(spec: str | None, timeout: float | None) -> ChatClient:
    return make_client(spec or os.environ.get(AUDITOR_ENV) or DEFAULT_MODEL, timeout_s=timeout)


async def _closing(clients: list[ChatClient], work: Awaitable[T]) -> T:
    try:
        return await work
    finally:
        for client in clients:
            await client.aclose()


@audit_app.command()
def plan(
    constitution: ConstitutionArg,
    out: Annotated[Path, typer.Option("--out", help="The scenario file to write.")],
    per_principle: Annotated[
        int, typer.Option("--per-principle", min=1, help="Scenarios per principle.")
    ] = 2,
    tensions: Annotated[
        bool,
        typer.Option(
            "--tensions", help="Also scenarios where two principles of different tiers conflict."
        ),
    ] = False,
    max_tensions: Annotated[
        int, typer.Option("--max-tensions", min=1, help="Principle pairs at most.")
    ] = DEFAULT_MAX_TENSIONS,
    auditor: AuditorOption = None,
    model_timeout: ModelTimeout = None,
    db: DbOption = None,
) -> None:
    """Ask the auditor model to write scenarios for every principle (a file to review).

    \b
    Example:
      constitution audit plan fixtures/audit/tea-shop.yaml --out scenarios.yaml
    """
    rules = load_constitution(constitution)
    client = _auditor(auditor, model_timeout)
    with open_store(store_path(db)) as store:
        work = aplan_scenarios(
            rules,
            client,
            store,
            per_principle=per_principle,
            tensions=tensions,
            max_tensions=max_tensions,
        )
        scenarios, caller = asyncio.run(_closing([client], work))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_scenarios(scenarios), encoding="utf-8")
    counts = caller.counts
    typer.echo(
        f"wrote {len(scenarios.scenarios)} scenarios to {out}"
        f" ({counts.made} auditor calls, {counts.cached} from the store)",
        err=True,
    )


@audit_app.command()
def run(
    constitution: ConstitutionArg,
    scenarios: Annotated[Path, typer.Argument(help="Scenario file (from `audit plan`).")],
    target: Annotated[
        list[str],
        typer.Option("--target", help="Target model (provider:model); twice to compare two."),
    ],
    auditor: AuditorOption = None,
    turns: Annotated[int, typer.Option("--turns", min=1, help="Target replies at most.")] = 4,
    samples: Annotated[
        int, typer.Option("--samples", min=1, help="Conversations per scenario.")
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Part of every call's key.")] = 0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Conversations at once.")
    ] = 4,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", help="Stop making calls past this many USD.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Estimate calls, tokens and cost; send nothing.")
    ] = False,
    model_timeout: ModelTimeout = None,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="Then grade: the report (one target), or the behaviour diff (two targets).",
        ),
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option("--judge-model", help="The judge's model.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Play every scenario against the target; conversations go into the store.

    \b
    Example:
      constitution audit run fixtures/audit/tea-shop.yaml \\
          fixtures/audit/scenarios.yaml --target claude-sonnet-5-5 --dry-run
    """
    rules = load_constitution(constitution)
    items = load_scenarios(scenarios)
    settings = AuditSettings(turns, samples, seed, concurrency, max_cost)
    audits: list[int] = []
    with open_store(store_path(db)) as store:
        for spec in target:
            targeted = make_client(spec, timeout_s=model_timeout)
            judge_of_talk = _auditor(auditor, model_timeout)
            if dry_run:
                work = aestimate_audit(rules, items, targeted, judge_of_talk, store, settings)
                estimate = asyncio.run(_closing([targeted, judge_of_talk], work))
                typer.echo(
                    f"dry run, {spec}: {estimate.conversations} conversations,"
                    f" {estimate.cached_calls} calls stored, at most {estimate.calls} to make,"
                    f" ~{estimate.target.input_tokens + estimate.auditor.input_tokens:,} input"
                    f" and ~{estimate.target.output_tokens + estimate.auditor.output_tokens:,}"
                    f" output tokens, ~${estimate.cost_usd:.4f} (before cache reads)"
                )
                continue
            work_run = arun_audit(rules, items, targeted, judge_of_talk, store, settings)
            try:
                result = asyncio.run(_closing([targeted, judge_of_talk], work_run))
            except KeyboardInterrupt:
                typer.echo(
                    "interrupted: every completed call is stored; run the same command"
                    " again to resume",
                    err=True,
                )
                raise typer.Exit(EXIT_INTERRUPTED) from None
            _print_run(spec, result)
            audits.append(result.audit_id)
    if judge is not None and audits:
        _grade_after_run(constitution, audits, judge, judge_model, db)


def _print_run(spec: str, result: AuditRun) -> None:
    states = result.totals()["conversations"]
    made = result.target.made + result.auditor.made
    cached = result.target.cached + result.auditor.cached
    cost = result.target.usage.cost_usd + result.auditor.usage.cost_usd
    summary = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    typer.echo(
        f"audit {result.audit_id} ({spec}): {summary}; {made} calls made, {cached} from the"
        f" store, ${cost:.4f}. Next: constitution audit check ... --audit {result.audit_id}"
    )


def _grade_after_run(
    constitution: Path, audits: list[int], judge: str, model: str | None, db: Path | None
) -> None:
    rules = load_constitution(constitution)
    grader = build_judge(judge, model)
    with open_store(store_path(db)) as store:
        if len(audits) == 2:
            comparison = _judged(
                lambda j: acompare_audits(rules, store, audits[0], audits[1], j), grader
            )
            emit(render_diff_markdown(None, comparison.diff), None)
            return

        async def reports(j: Any) -> list[Any]:
            return [(await acheck_audit(rules, store, a, j))[0] for a in audits]

        for report in _judged(reports, grader):
            emit(render_report_markdown(report), None)


@audit_app.command("list")
def list_(db: DbOption = None) -> None:
    """The audits in the store, newest first.

    \b
    Example:
      constitution audit list
    """
    with open_store(store_path(db)) as store:
        audits = list_audits(store)
    for record in audits:
        states = record.totals.get("conversations", {})
        summary = ", ".join(f"{n} {state}" for state, n in sorted(states.items())) or "-"
        typer.echo(
            f"{record.id}\t{record.started}\t{record.status}\t{record.target}"
            f"\tauditor {record.auditor}\t{record.constitution_id}"
            f" {record.constitution_version}\t{summary}"
        )


def _judged(make: Callable[[Any], Awaitable[T]], judge: Any) -> T:
    async def go() -> T:
        try:
            return await make(judge)
        finally:
            await close_judge(judge)

    return asyncio.run(go())


@audit_app.command()
def check(
    constitution: ConstitutionArg,
    audit: Annotated[str, typer.Option("--audit", help="Audit id, or latest.")] = "latest",
    judge: JudgeOption = DEFAULT_JUDGE,
    model: ModelOption = None,
    timeout: TimeoutOption = None,
    output_format: FormatOption = "markdown",
    out: OutOption = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the HTML report (each conversation).")
    ] = None,
    samples: Annotated[
        int, typer.Option("--samples", min=1, help="Judge each (conversation, principle) K times.")
    ] = 1,
    mode: Annotated[
        str, typer.Option("--mode", help="per-principle, or grouped (one call per conversation).")
    ] = "per-principle",
    db: DbOption = None,
) -> None:
    """Grade an audit's conversations against the whole constitution; report per principle.

    \b
    Example:
      constitution audit check fixtures/audit/tea-shop.yaml --audit latest
    """
    rules = load_constitution(constitution)
    grader = build_judge(judge, model, timeout)
    options = {"samples": samples, "mode": mode}
    with open_store(store_path(db)) as store:
        report, result, transcripts = _judged(
            lambda j: acheck_audit(rules, store, audit, j, **options), grader
        )
    text = render_report_json(report) if output_format == "json" else render_report_markdown(report)
    emit(text, out)
    if html is not None and result is not None:
        from checker.output.html import render_check_html

        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_check_html(result, transcripts, rules), encoding="utf-8")


@audit_app.command()
def compare(
    constitution: ConstitutionArg,
    audit: Annotated[
        list[str], typer.Option("--audit", help="Two audits (two targets), or one with --revision.")
    ],
    revision: Annotated[
        Path | None, typer.Option("--revision", help="Judge one audit under this revision too.")
    ] = None,
    judge: JudgeOption = DEFAULT_JUDGE,
    model: ModelOption = None,
    timeout: TimeoutOption = None,
    noise_samples: Annotated[
        int, typer.Option("--noise-samples", min=0, help="Re-gradings to estimate judge noise.")
    ] = 2,
    output_format: FormatOption = "markdown",
    out: OutOption = None,
    db: DbOption = None,
) -> None:
    """Behaviour diff with conversations paired by (scenario, sample).

    \b
    Example:
      constitution audit compare fixtures/audit/tea-shop.yaml --audit 1 --audit 2
    """
    if len(audit) != (1 if revision is not None else 2):
        raise typer.BadParameter("give two --audit, or one --audit with --revision")
    rules = load_constitution(constitution)
    grader = build_judge(judge, model, timeout)
    with open_store(store_path(db)) as store:
        if revision is not None:
            new = load_constitution(revision)
            comparison = _judged(
                lambda j: acompare_revisions(rules, new, store, audit[0], j, samples=noise_samples),
                grader,
            )
        else:
            comparison = _judged(
                lambda j: acompare_audits(
                    rules, store, audit[0], audit[1], j, samples=noise_samples
                ),
                grader,
            )
    if comparison.left_out:
        print(
            f"{len(comparison.left_out)} conversation(s) left out: not completed on both sides",
            file=sys.stderr,
        )
    if output_format == "json":
        emit(render_diff_json(None, comparison.diff), out)
    else:
        emit(render_diff_markdown(None, comparison.diff), out)
