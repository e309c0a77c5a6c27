"""Planning a check without grading (``--dry-run``): counts, and the judge's estimate.

With ``batch`` the estimate is also priced at the judge's batch rate, with the cache
hits the estimate counts and with none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from checker.errors import CheckerError
from checker.judges import Batching, Judge, require_batching
from checker.runner._planner import Planner, select_principles
from checker.store import Store
from checker.transcript import Transcript
from checker.verdict import Usage
from constitution.model import Constitution

Mode = Literal["per-principle", "grouped"]
MODES: tuple[str, ...] = ("per-principle", "grouped")


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """What a check would do (``--dry-run``): nothing is graded or stored."""

    transcripts: int
    principles: int
    judgments: int
    cache_hits: int
    out_of_scope: int
    to_judge: int
    calls: int
    mode: str
    estimate: Usage | None
    """The judge's own estimate of the calls' tokens and cost, if it can make one."""
    batch_cost_usd: float | None = None
    """``batch``: the estimate at batch prices, with the cache hits the estimate counts."""
    batch_cost_no_cache_usd: float | None = None
    """``batch``: the estimate at batch prices if no request hit the prompt cache."""


async def plan_check(
    constitution: Constitution,
    transcripts: Iterable[Transcript],
    judge: Judge,
    store: Store,
    *,
    principles: Sequence[str] | None = None,
    samples: int = 1,
    mode: Mode | str = "per-principle",
    batch: bool = False,
) -> CheckPlan:
    """What :func:`arun_check` would grade, and the judge's estimate of its cost
    (with ``batch``, also at batch prices, with and without cache hits)."""
    check_options(samples, 1, mode)
    batching = require_batching(judge) if batch else None
    if batch and mode == "grouped":
        raise CheckerError("--batch grades per principle: leave out --mode grouped")
    grouped = mode == "grouped" and hasattr(judge, "grade_many")
    selected = select_principles(constitution, principles)
    planner = Planner(selected, constitution, judge, store, samples, run_id=None)
    count = hits = out_of_scope = misses = calls = 0
    estimate = Usage() if hasattr(judge, "estimate") else None
    for transcript in transcripts:
        item = planner.plan(transcript)
        count += 1
        hits += len(item.hits) + item.done
        out_of_scope += len(item.out_of_scope)
        misses += len(item.misses)
        calls += len({s for s, _ in item.misses}) if grouped else len(item.misses)
        if estimate is not None and item.misses:
            unique = {principle.id: principle for _, principle in item.misses}
            todo = list(unique.values())
            used = await judge.estimate(transcript, todo, constitution, grouped=grouped)  # type: ignore[attr-defined]
            estimate = add_usage(estimate, used, times=len(item.misses) // len(todo))
    return CheckPlan(
        transcripts=count,
        principles=len(selected),
        judgments=count * len(selected) * samples,
        cache_hits=hits,
        out_of_scope=out_of_scope,
        to_judge=misses,
        calls=calls,
        mode="grouped" if grouped else "per-principle",
        estimate=estimate,
        **_batch_costs(batching, estimate),
    )


def _batch_costs(batching: Batching | None, estimate: Usage | None) -> dict[str, float]:
    if batching is None or estimate is None:
        return {}
    uncached = Usage(
        input_tokens=estimate.input_tokens
        + estimate.cache_read_tokens
        + estimate.cache_write_tokens,
        output_tokens=estimate.output_tokens,
    )
    return {
        "batch_cost_usd": batching.cost(estimate),
        "batch_cost_no_cache_usd": batching.cost(uncached),
    }


def add_usage(total: Usage, more: Usage, *, times: int = 1) -> Usage:
    times = max(times, 1)
    return Usage(
        input_tokens=total.input_tokens + more.input_tokens * times,
        cache_read_tokens=total.cache_read_tokens + more.cache_read_tokens * times,
        cache_write_tokens=total.cache_write_tokens + more.cache_write_tokens * times,
        output_tokens=total.output_tokens + more.output_tokens * times,
        cost_usd=total.cost_usd + more.cost_usd * times,
    )


def check_options(samples: int, concurrency: int, mode: str) -> None:
    if samples < 1:
        raise CheckerError(f"samples must be at least 1, not {samples}")
    if concurrency < 1:
        raise CheckerError(f"concurrency must be at least 1, not {concurrency}")
    if mode not in MODES:
        raise CheckerError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
