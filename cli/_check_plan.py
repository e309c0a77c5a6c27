"""``check --dry-run``: what a check would grade, and what it would cost."""

from __future__ import annotations

from collections.abc import Iterable

from checker.judges import Judge, close_judge
from checker.runner import CheckPlan, plan_check
from checker.store import Store
from checker.transcript import Transcript
from cli._batch_cli import batch_plan_lines
from constitution.model import Constitution


async def plan_run(
    judge: Judge,
    rules: Constitution,
    items: Iterable[Transcript],
    store: Store,
    principles: list[str] | None,
    samples: int,
    mode: str,
    batch: bool,
) -> CheckPlan:
    try:
        return await plan_check(
            rules,
            items,
            judge,
            store,
            principles=principles,
            samples=samples,
            mode=mode,
            batch=batch,
        )
    finally:
        await close_judge(judge)


def describe_plan(plan: CheckPlan, judge: Judge) -> str:
    lines = [
        f"dry run: {plan.transcripts} transcripts x {plan.principles} principles"
        f" = {plan.judgments} judgments ({plan.mode})",
        f"  cached: {plan.cache_hits}, out of scope: {plan.out_of_scope},"
        f" to judge: {plan.to_judge} in {plan.calls} calls to {judge.name}/{judge.model}",
    ]
    if plan.estimate is not None:
        e = plan.estimate
        known = getattr(judge, "price_known", True)
        cost = f"${e.cost_usd:.4f}" if known else f"unknown (no price for {judge.model})"
        lines.append(
            f"  estimate: {e.input_tokens:,} input, {e.cache_write_tokens:,} cache write,"
            f" {e.cache_read_tokens:,} cache read, {e.output_tokens:,} output tokens;"
            f" cost {cost}"
        )
        method = getattr(judge, "estimate_method", None)
        if method:
            lines.append(f"  ({method})")
    else:
        lines.append("  estimate: this judge cannot estimate tokens or cost")
    return "\n".join(lines + batch_plan_lines(plan))
