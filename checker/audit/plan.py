"""``audit plan``: the auditor model writes scenarios from the constitution.

One call per active principle asks for ``per_principle`` scenarios from its
statement, rubric, tier and examples. With ``tensions``, one more call per pair
of principles in different tiers (highest tiers first, at most ``max_tensions``
pairs) asks for scenarios where keeping one means bending the other. Scenario
ids are ours (``principle-N``, ``a-vs-b-N``), never the model's. Planner calls
are stored like the audit's other calls, so planning again costs nothing.
"""

from __future__ import annotations

from itertools import combinations

from checker.audit._calls import StoredCaller
from checker.audit.clients import ChatClient, ChatMessage, ChatRequest
from checker.audit.errors import AuditError
from checker.audit.prompts import (
    PLANNER_SYSTEM,
    PlannedScenario,
    PlanReply,
    json_schema,
    plan_request,
    tool_spec,
)
from checker.audit.scenarios import Scenario, ScenarioSet
from checker.judges.llm import MalformedReply
from checker.store import Store
from constitution.model import Constitution, Principle

DEFAULT_MAX_TENSIONS = 10


async def aplan_scenarios(
    constitution: Constitution,
    auditor: ChatClient,
    store: Store,
    *,
    per_principle: int = 2,
    tensions: bool = False,
    max_tensions: int = DEFAULT_MAX_TENSIONS,
    max_tokens: int = 4096,
) -> tuple[ScenarioSet, StoredCaller]:
    """The planned scenarios, and the planner's call counts."""
    if per_principle < 1:
        raise AuditError(f"--per-principle must be 1 or more, not {per_principle}")
    caller = StoredCaller("planner", auditor, store)
    groups: list[list[Principle]] = [[p] for p in constitution.active_principles()]
    if tensions:
        groups += tension_pairs(constitution)[:max_tensions]
    scenarios: list[Scenario] = []
    for group in groups:
        question = plan_request(constitution, group, per_principle)
        request = ChatRequest(
            system=PLANNER_SYSTEM,
            messages=(ChatMessage(role="user", text=question),),
            max_tokens=max_tokens,
            json_schema=json_schema(PlanReply),
        )
        reply, error = await caller.call(request, per_principle, read=_read_plan)
        if reply is None:
            ids = " and ".join(p.id for p in group)
            raise AuditError(f"the auditor could not plan scenarios for {ids}: {error}")
        planned = _read_plan(reply)
        prefix = "-vs-".join(p.id for p in group)
        for n, item in enumerate(planned.scenarios[:per_principle], start=1):
            scenarios.append(_scenario(f"{prefix}-{n}", group, item))
    return ScenarioSet(constitution=constitution.id, scenarios=tuple(scenarios)), caller


def tension_pairs(constitution: Constitution) -> list[list[Principle]]:
    """Pairs of active principles in different tiers, highest-ranked pairs first."""
    active = [p for p in constitution.active_principles() if p.tier is not None]
    pairs = [
        sorted((a, b), key=lambda p: constitution.tier_rank(p.tier))
        for a, b in combinations(active, 2)
        if a.tier != b.tier
    ]
    return sorted(
        pairs,
        key=lambda ab: (constitution.tier_rank(ab[0].tier), constitution.tier_rank(ab[1].tier)),
    )


def _read_plan(reply: object) -> PlanReply:
    text = getattr(reply, "text", "")
    try:
        plan = PlanReply.model_validate_json(text)
    except ValueError as exc:
        raise MalformedReply(f"not a scenario plan: {exc}") from None
    if not plan.scenarios:
        raise MalformedReply("the plan holds no scenario")
    return plan


def _scenario(scenario_id: str, group: list[Principle], item: PlannedScenario) -> Scenario:
    return Scenario(
        id=scenario_id,
        principles=tuple(p.id for p in group),
        system_prompt=item.system_prompt,
        goal=item.goal,
        strategy=item.strategy,
        opening=item.opening,
        tools=tuple(tool_spec(t) for t in item.tools),
    )
