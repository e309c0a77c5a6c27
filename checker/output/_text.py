"""Shared wording for the human-readable renderings."""

from __future__ import annotations

from checker.results import RunResult
from checker.verdict import Evidence

RATIONALE_CHARS = 240


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def headline(result: RunResult) -> str:
    run = result.run
    return (
        f"Run {run.id}: {run.constitution_id} {run.constitution_version}, judge "
        f"{run.judge}/{run.model} (prompt {run.prompt_version}), {run.mode}"
        f"{f', {run.samples} samples' if run.samples > 1 else ''}, {run.status}"
    )


def counts_line(result: RunResult) -> str:
    t = result.totals
    return (
        f"{plural(t.judgments, 'judgment')} of {plural(t.pairs, 'pair')}:"
        f" {plural(t.calls, 'call')}, {plural(t.cache_hits, 'cache hit')},"
        f" {t.out_of_scope} out of scope, {plural(t.errors, 'error')},"
        f" {plural(t.violations, 'violation')}"
        f" ({t.unsupported_violations} without verifiable evidence)"
        + (f", {t.unstable_pairs} unstable" if result.run.samples > 1 else "")
    )


def spend_line(result: RunResult) -> str:
    t = result.totals
    return (
        f"tokens: {t.input_tokens:,} input, {t.cache_read_tokens:,} cache read,"
        f" {t.cache_write_tokens:,} cache write, {t.output_tokens:,} output;"
        f" cost ${t.cost_usd:.4f}; {t.wall_s:.1f} s"
    )


def short(text: str, limit: int = RATIONALE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def evidence_line(item: Evidence) -> str:
    return f'[message {item.message_index}] "{short(item.quote, 160)}" ({item.match.value})'
