"""The ``--batch`` and ``--no-wait`` options, and what a batch check says while it waits."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console

from checker.runner import BatchProgress, BatchProgressCallback, CheckPlan

BatchOption = Annotated[
    bool,
    typer.Option(
        "--batch",
        help="Grade through the judge's batch API (half price, within 24 h; see docs/BATCH.md).",
    ),
]
NoWaitOption = Annotated[
    bool,
    typer.Option(
        "--no-wait",
        help="With --batch: submit the batches and exit; --resume RUN collects them later.",
    ),
]
SHOW_EVERY_S = 30.0
"""While nothing changes, the waiting line is repeated this often."""


def batch_progress_printer(err: Console) -> BatchProgressCallback:
    """Prints a line when a batch is submitted or ends, and every half minute meanwhile."""
    last: dict[str, object] = {"seen": None, "at": 0.0}

    def show(p: BatchProgress) -> None:
        seen = (p.submitted, p.ended)
        now = time.monotonic()
        if seen == last["seen"] and now - float(last["at"]) < SHOW_EVERY_S:  # type: ignore[arg-type]
            return
        last.update(seen=seen, at=now)
        expires = f"; the provider ends it by {p.expires_at}" if p.expires_at else ""
        err.print(
            f"batches: {p.submitted} submitted ({p.created} now), {p.ended} ended;"
            f" {p.requests} judgments; {p.elapsed_s:.0f} s waited{expires}",
            soft_wrap=True,
            markup=False,
        )

    return show


def batch_plan_lines(plan: CheckPlan) -> list[str]:
    """The dry run's batch estimate (nothing when the plan is not for --batch)."""
    if plan.batch_cost_usd is None or plan.batch_cost_no_cache_usd is None:
        return []
    return [
        f"  batch estimate: ${plan.batch_cost_usd:.4f} at batch prices with the cache hits"
        f" above, ${plan.batch_cost_no_cache_usd:.4f} if no request hits the cache"
    ]


def check_batch_options(batch: bool, no_wait: bool) -> None:
    if no_wait and not batch:
        raise typer.BadParameter("only with --batch", param_hint="--no-wait")
