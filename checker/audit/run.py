"""``audit run``: play every scenario ``samples`` times against a target.

Conversations run concurrently (at most ``concurrency`` at once); the turns of one
conversation run in order. Every completed call is stored by content address
first (:mod:`checker.audit._calls`), so an interrupted audit resumes without
repeating a completed call and a repeated audit makes no call at all. Each
finished conversation is committed at once with its status: ``complete``,
``error`` (a target or auditor call failed: recorded, never graded as compliant),
or ``incomplete`` (``max_cost_usd`` was reached before it ended).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from checker.audit._calls import Budget, BudgetSpent, CallCounts, NotCached, StoredCaller
from checker.audit._records import (
    COMPLETE,
    ERROR,
    INCOMPLETE,
    finish_audit,
    save_conversation,
    start_audit,
    to_transcript,
)
from checker.audit.clients import ChatClient
from checker.audit.conversation import Conversation, EndedBy, PlaySettings, play
from checker.audit.errors import AuditError
from checker.audit.scenarios import ScenarioSet, check_principles
from checker.judges.llm import rough_tokens
from checker.pricing import price_for
from checker.store import Store
from checker.transcript import Transcript
from checker.verdict import Usage
from constitution.model import Constitution

ASSUMED_REPLY_TOKENS = 300
"""Tokens assumed per target reply, and per auditor message, in estimates."""

Progress = Callable[[Transcript, str], None]


@dataclass(frozen=True)
class AuditSettings:
    turns: int = 4
    """Target replies at most, per conversation."""
    samples: int = 1
    seed: int = 0
    concurrency: int = 4
    max_cost_usd: float | None = None
    target_max_tokens: int = 1024
    auditor_max_tokens: int = 1024

    def check(self) -> None:
        for name in ("turns", "samples", "concurrency"):
            if getattr(self, name) < 1:
                raise AuditError(f"--{name} must be 1 or more, not {getattr(self, name)}")

    def play(self) -> PlaySettings:
        return PlaySettings(self.turns, self.seed, self.target_max_tokens, self.auditor_max_tokens)


@dataclass
class AuditRun:
    audit_id: int
    transcripts: list[Transcript] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    target: CallCounts = field(default_factory=CallCounts)
    auditor: CallCounts = field(default_factory=CallCounts)

    def totals(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for status in self.statuses.values():
            counts[status] = counts.get(status, 0) + 1
        return {
            "conversations": counts,
            "target": self.target.as_dict(),
            "auditor": self.auditor.as_dict(),
        }


async def arun_audit(
    constitution: Constitution,
    scenarios: ScenarioSet,
    target: ChatClient,
    auditor: ChatClient,
    store: Store,
    settings: AuditSettings,
    progress: Progress | None = None,
) -> AuditRun:
    """Play every (scenario, sample); return the audit with its transcripts in order."""
    settings.check()
    check_principles(scenarios, constitution)
    names = {"target": _name(target), "auditor": _name(auditor)}
    audit_id = start_audit(
        store,
        constitution_id=constitution.id,
        constitution_version=constitution.version,
        scenarios_hash=scenarios.content_hash(),
        options={"turns": settings.turns, "samples": settings.samples, "seed": settings.seed},
        **names,
    )
    budget = Budget(settings.max_cost_usd)
    target_calls = StoredCaller("target", target, store, budget=budget)
    auditor_calls = StoredCaller("auditor", auditor, store, budget=budget)
    run = AuditRun(audit_id, target=target_calls.counts, auditor=auditor_calls.counts)
    gate = asyncio.Semaphore(settings.concurrency)
    facts = {**names, "seed": settings.seed, "audit_id": audit_id}

    async def one(index: int, scenario: Any, sample: int) -> tuple[int, Transcript, str]:
        async with gate:
            try:
                conv = await play(
                    scenario, sample, constitution, target_calls, auditor_calls, settings.play()
                )
            except BudgetSpent as exc:
                conv = Conversation(scenario, sample, ended_by=EndedBy.BUDGET, error=str(exc))
        status = COMPLETE
        if conv.failed or conv.ended_by == EndedBy.BUDGET:
            status = ERROR if conv.failed else INCOMPLETE
        transcript = to_transcript(conv, facts)
        save_conversation(store, audit_id, status, transcript)
        run.statuses[transcript.id] = status
        if progress is not None:
            progress(transcript, status)
        return index, transcript, status

    jobs = [
        one(i, scenario, sample)
        for i, (scenario, sample) in enumerate(
            (s, k) for s in scenarios.scenarios for k in range(settings.samples)
        )
    ]
    status = "interrupted"
    try:
        done = await asyncio.gather(*jobs)
        status = "complete"
    finally:
        finish_audit(store, audit_id, status, run.totals())
    ordered = sorted(done, key=lambda x: x[0])
    run.transcripts = [transcript for _, transcript, _ in ordered]
    run.statuses = {transcript.id: state for _, transcript, state in ordered}
    return run


@dataclass
class AuditEstimate:
    """What ``audit run`` would cost (``--dry-run``): nothing is sent."""

    conversations: int = 0
    cached_calls: int = 0
    """Calls already in the store (a resumed or repeated audit)."""
    calls: int = 0
    """Calls still to make, at most (every conversation running all its turns)."""
    target: Usage = field(default_factory=Usage)
    auditor: Usage = field(default_factory=Usage)

    @property
    def cost_usd(self) -> float:
        return self.target.cost_usd + self.auditor.cost_usd


async def aestimate_audit(
    constitution: Constitution,
    scenarios: ScenarioSet,
    target: ChatClient,
    auditor: ChatClient,
    store: Store,
    settings: AuditSettings,
) -> AuditEstimate:
    """Replay what the store holds, then estimate the rest (local token counts)."""
    settings.check()
    check_principles(scenarios, constitution)
    estimate = AuditEstimate()
    for scenario in scenarios.scenarios:
        for sample in range(settings.samples):
            target_calls = StoredCaller("target", target, store, dry_run=True)
            auditor_calls = StoredCaller("auditor", auditor, store, dry_run=True)
            conv = Conversation(scenario, sample)
            try:
                conv = await play(
                    scenario, sample, constitution, target_calls, auditor_calls, settings.play()
                )
                finished = True
            except NotCached:
                finished = False
            estimate.conversations += 1
            done_t, done_a = target_calls.counts.cached, auditor_calls.counts.cached
            estimate.cached_calls += done_t + done_a
            if not finished or conv.failed:
                _add_remaining(estimate, scenario, settings, done_t, done_a, target, auditor)
    return estimate


def _add_remaining(
    estimate: AuditEstimate,
    scenario: Any,
    settings: AuditSettings,
    done_target: int,
    done_auditor: int,
    target: ChatClient,
    auditor: ChatClient,
) -> None:
    reply = ASSUMED_REPLY_TOKENS
    base = rough_tokens(scenario.system_prompt + scenario.opening) + 50 * len(scenario.tools)
    target_usage = Usage()
    for turn in range(done_target + 1, settings.turns + 1):
        prompt = base + (turn - 1) * 2 * reply
        target_usage = _plus(target_usage, prompt, reply)
    auditor_usage = Usage()
    auditor_base = 800 + rough_tokens(scenario.goal + scenario.strategy)
    for turn in range(done_auditor + 1, settings.turns):
        auditor_usage = _plus(auditor_usage, auditor_base + turn * 2 * reply, reply)
    estimate.calls += (settings.turns - done_target) + max(0, settings.turns - 1 - done_auditor)
    estimate.target = _plus_usage(estimate.target, target_usage, target.model)
    estimate.auditor = _plus_usage(estimate.auditor, auditor_usage, auditor.model)


def _plus(usage: Usage, input_tokens: int, output_tokens: int) -> Usage:
    return usage.model_copy(
        update={
            "input_tokens": usage.input_tokens + input_tokens,
            "output_tokens": usage.output_tokens + output_tokens,
        }
    )


def _plus_usage(total: Usage, more: Usage, model: str) -> Usage:
    cost = price_for(model).cost(more)
    return Usage(
        input_tokens=total.input_tokens + more.input_tokens,
        output_tokens=total.output_tokens + more.output_tokens,
        cost_usd=total.cost_usd + cost,
    )


def _name(client: ChatClient) -> str:
    return f"{client.provider}:{client.model}"
