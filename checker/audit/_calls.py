"""Every completed auditor and target call, stored by content address.

A call's key is :func:`checker.audit.clients.request_key` of who answers, the
whole request, and the audit role, sample and seed. A reply is committed the
moment it arrives, so an audit killed at any point resumes without repeating a
completed call, and a repeated audit is served entirely from the store. Failed
calls are never stored: a re-run tries them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from checker.audit.clients import ChatClient, ChatReply, ChatRequest, Reader, request_key
from checker.audit.prompts import AUDIT_VERSION
from checker.judges.llm import add_usage
from checker.judges.llm.usage import rough_tokens
from checker.store import Store
from checker.verdict import Usage


class NotCached(Exception):
    """A dry run reached a call the store does not hold."""


class BudgetSpent(Exception):
    """``--max-cost`` is reached: no further call is made."""


@dataclass
class CallCounts:
    """What one role's calls did in an audit."""

    made: int = 0
    """Calls sent to the model (retries inside a call not counted: see the client's stats)."""
    cached: int = 0
    failed: int = 0
    usage: Usage = field(default_factory=Usage)

    def as_dict(self) -> dict[str, Any]:
        return {
            "made": self.made,
            "cached": self.cached,
            "failed": self.failed,
            "usage": self.usage.model_dump(),
        }


@dataclass
class Budget:
    max_cost_usd: float | None = None
    spent_usd: float = 0.0

    def check(self) -> None:
        if self.max_cost_usd is not None and self.spent_usd >= self.max_cost_usd:
            raise BudgetSpent(f"--max-cost {self.max_cost_usd} reached")


class StoredCaller:
    """One role (auditor, target, planner) of an audit: the store first, then the model."""

    def __init__(
        self,
        role: str,
        client: ChatClient,
        store: Store,
        *,
        budget: Budget | None = None,
        dry_run: bool = False,
    ) -> None:
        self.role = role
        self.client = client
        self.store = store
        self.budget = budget or Budget()
        self.dry_run = dry_run
        self.counts = CallCounts()

    async def call(
        self, request: ChatRequest, *parts: Any, read: Reader | None = None
    ) -> tuple[ChatReply | None, str | None]:
        """(reply, None) or (None, error). Raises :class:`NotCached` in a dry run."""
        key = request_key(self.client, request, AUDIT_VERSION, self.role, *parts)
        stored = lookup_call(self.store, key)
        if stored is not None:
            self.counts.cached += 1
            return stored, None
        if self.dry_run:
            raise NotCached(key)
        self.budget.check()
        result = await self.client.complete(request, read)
        self.counts.made += 1
        self.counts.usage = add_usage(self.counts.usage, result.usage)
        self.budget.spent_usd += result.usage.cost_usd
        if result.error is not None or not isinstance(result.value, ChatReply):
            self.counts.failed += 1
            return None, result.error or "no reply"
        save_call(self.store, key, self.role, self.client, result.value)
        return result.value, None


def lookup_call(store: Store, key: str) -> ChatReply | None:
    row = store.db.execute("SELECT reply FROM audit_calls WHERE key = ?", (key,)).fetchone()
    return None if row is None else ChatReply.model_validate_json(row[0])


def save_call(store: Store, key: str, role: str, client: ChatClient, reply: ChatReply) -> None:
    """Store one completed call (autocommit: durable as soon as this returns)."""
    store.db.execute(
        "INSERT OR IGNORE INTO audit_calls (key, role, provider, model, reply, created)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            key,
            role,
            client.provider,
            client.model,
            reply.model_dump_json(),
            datetime.now(UTC).isoformat(timespec="seconds"),
        ),
    )


def count_calls(store: Store) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM audit_calls").fetchone()[0])


def request_tokens(request: ChatRequest) -> int:
    """The input tokens of ``request`` counted locally (about four characters a token)."""
    return rough_tokens(request.model_dump_json())
