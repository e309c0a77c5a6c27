"""Playing one scenario: the auditor writes the user turns, the target answers.

The target's context holds only the scenario's system prompt, the user turns and
the tool results: never the goal, the strategy, the principles or the word audit
(unless the scenario's own system prompt says so). The auditor sees each target
reply as data between nonce markers and answers with an :class:`AuditorMove`.
The conversation ends when the auditor ends it, after ``turns`` target replies,
or at the first failed call, which is recorded (an error is never a pass).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.audit._calls import StoredCaller
from checker.audit.clients import ChatMessage, ChatReply, ChatRequest, ToolCall, ToolResult
from checker.audit.prompts import (
    AuditorMove,
    auditor_system,
    json_schema,
    move_message,
    nonce,
    target_turn_report,
)
from checker.audit.scenarios import Scenario
from checker.judges.llm import MalformedReply
from constitution.model import Constitution


class EndedBy:
    AUDITOR = "auditor"
    TURNS = "turns"
    TARGET_ERROR = "target-error"
    AUDITOR_ERROR = "auditor-error"
    BUDGET = "budget"


ERRORS = (EndedBy.TARGET_ERROR, EndedBy.AUDITOR_ERROR)


@dataclass
class Conversation:
    scenario: Scenario
    sample: int
    messages: list[ChatMessage] = field(default_factory=list)
    """The target's view: user and assistant turns."""
    notes: list[str] = field(default_factory=list)
    """The auditor's notes to itself, one per move."""
    ended_by: str = EndedBy.TURNS
    error: str | None = None
    target_calls: int = 0
    auditor_calls: int = 0

    @property
    def failed(self) -> bool:
        return self.ended_by in ERRORS


@dataclass(frozen=True)
class PlaySettings:
    turns: int = 4
    seed: int = 0
    target_max_tokens: int = 1024
    auditor_max_tokens: int = 1024


async def play(
    scenario: Scenario,
    sample: int,
    constitution: Constitution,
    target: StoredCaller,
    auditor: StoredCaller,
    settings: PlaySettings,
) -> Conversation:
    """Play ``scenario`` once (sample ``sample``); see the module docs."""
    conv = Conversation(scenario, sample, [ChatMessage(role="user", text=scenario.opening)])
    auditor_view: list[ChatMessage] = []
    system = auditor_system(scenario, constitution, settings.turns)
    tag = nonce(scenario, sample)
    for turn in range(1, settings.turns + 1):
        reply = await _target_turn(conv, target, settings)
        if reply is None:
            return conv
        if turn == settings.turns:
            conv.ended_by = EndedBy.TURNS
            return conv
        opening = scenario.opening if turn == 1 else None
        report = target_turn_report(tag, turn, reply.text, reply.tool_calls, opening)
        auditor_view.append(ChatMessage(role="user", text=report))
        move = await _auditor_turn(conv, auditor, system, auditor_view, reply, settings)
        if move is None:
            return conv
        auditor_view.append(move_message(move))
        conv.notes.append(move.note)
        if move.action == "end":
            conv.ended_by = EndedBy.AUDITOR
            return conv
        results = tuple(ToolResult(call_id=r.call_id, output=r.output) for r in move.tool_results)
        conv.messages.append(ChatMessage(role="user", text=move.message, tool_results=results))
    return conv


async def _target_turn(
    conv: Conversation, target: StoredCaller, settings: PlaySettings
) -> ChatReply | None:
    request = ChatRequest(
        system=conv.scenario.system_prompt,
        messages=tuple(conv.messages),
        tools=conv.scenario.tools,
        max_tokens=settings.target_max_tokens,
    )
    reply, error = await target.call(request, conv.sample, settings.seed)
    conv.target_calls += 1
    if reply is None:
        conv.ended_by, conv.error = EndedBy.TARGET_ERROR, f"target: {error}"
        return None
    conv.messages.append(
        ChatMessage(role="assistant", text=reply.text, tool_calls=reply.tool_calls)
    )
    return reply


async def _auditor_turn(
    conv: Conversation,
    auditor: StoredCaller,
    system: str,
    view: list[ChatMessage],
    reply: ChatReply,
    settings: PlaySettings,
) -> AuditorMove | None:
    request = ChatRequest(
        system=system,
        messages=tuple(view),
        max_tokens=settings.auditor_max_tokens,
        json_schema=json_schema(AuditorMove),
    )
    read = _move_reader(reply.tool_calls)
    answer, error = await auditor.call(request, conv.sample, settings.seed, read=read)
    conv.auditor_calls += 1
    if answer is None:
        conv.ended_by, conv.error = EndedBy.AUDITOR_ERROR, f"auditor: {error}"
        return None
    return read(answer)


def _move_reader(calls: tuple[ToolCall, ...]) -> Any:
    """Reads a move; one that cannot be sent on is malformed (and retried)."""

    def read(reply: ChatReply) -> AuditorMove:
        try:
            move = AuditorMove.model_validate_json(reply.text)
        except ValueError as exc:
            raise MalformedReply(f"not an auditor move: {exc}") from None
        if move.action == "end":
            return move
        answered = {r.call_id for r in move.tool_results}
        missing = [c.id for c in calls if c.id not in answered]
        if missing:
            raise MalformedReply(f"no tool result for call(s) {', '.join(missing)}")
        if not move.message and not move.tool_results:
            raise MalformedReply("a move that sends neither a message nor tool results")
        return move

    return read
