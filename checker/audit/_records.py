"""Audits and their conversations in the results store, and conversations as transcripts.

A conversation becomes a :class:`checker.transcript.Transcript` in the native
format (id ``scenario#sample``, so two targets or two revisions pair by scenario
and sample) kept in the store's ``transcripts`` table; ``audit_conversations``
says which audit produced it, and whether it completed or failed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from checker.audit.awareness import transcript_awareness
from checker.audit.conversation import Conversation
from checker.audit.errors import AuditError
from checker.secrets import scrub_optional
from checker.store import Store
from checker.store._store import _alive as process_alive
from checker.transcript import (
    Message,
    Part,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)

COMPLETE = "complete"
ERROR = "error"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class AuditRecord:
    id: int
    started: str
    finished: str | None
    constitution_id: str
    constitution_version: str
    target: str
    auditor: str
    status: str
    options: dict[str, Any]
    totals: dict[str, Any]


@dataclass(frozen=True)
class StoredConversation:
    scenario_id: str
    sample: int
    status: str
    error: str | None
    transcript: Transcript


def transcript_id(scenario_id: str, sample: int) -> str:
    return f"{scenario_id}#{sample}"


def to_transcript(conv: Conversation, audit: dict[str, Any]) -> Transcript:
    """The conversation in the native transcript format, audit facts in its metadata."""
    messages: list[Message] = []
    system = conv.scenario.system_prompt
    if system:
        messages.append(Message(role=Role.SYSTEM, parts=(TextPart(text=system),)))
    for turn in conv.messages:
        if turn.tool_results:
            results = turn.tool_results
            parts = tuple(ToolResultPart(call_id=r.call_id, output=r.output) for r in results)
            messages.append(Message(role=Role.TOOL, parts=parts))
        if turn.role == "user" and turn.text:
            messages.append(Message(role=Role.USER, parts=(TextPart(text=turn.text),)))
        elif turn.role == "assistant":
            body: list[Part] = [TextPart(text=turn.text)] if turn.text else []
            body += [ToolCallPart(id=c.id, name=c.name, input=c.input) for c in turn.tool_calls]
            messages.append(Message(role=Role.ASSISTANT, parts=tuple(body)))
    meta = {
        **audit,
        "scenario": conv.scenario.id,
        "principles": list(conv.scenario.principles),
        "sample": conv.sample,
        "ended_by": conv.ended_by,
        "error": scrub_optional(conv.error),  # a server may echo the key in its error
        "notes": [n for n in conv.notes if n],
    }
    transcript = Transcript(
        id=transcript_id(conv.scenario.id, conv.sample), messages=tuple(messages)
    )
    meta["evaluation_awareness"] = transcript_awareness(transcript)
    return transcript.model_copy(update={"metadata": {"audit": meta}})


def start_audit(store: Store, **fields: Any) -> int:
    options = json.dumps(fields.pop("options"), sort_keys=True)
    cursor = store.db.execute(
        "INSERT INTO audits (started, constitution_id, constitution_version, scenarios_hash,"
        " target, auditor, options, status, pid) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
        (
            _now(),
            fields["constitution_id"],
            fields["constitution_version"],
            fields["scenarios_hash"],
            fields["target"],
            fields["auditor"],
            options,
            os.getpid(),
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def finish_audit(store: Store, audit_id: int, status: str, totals: dict[str, Any]) -> None:
    store.db.execute(
        "UPDATE audits SET status = ?, finished = ?, totals = ? WHERE id = ?",
        (status, _now(), json.dumps(totals, sort_keys=True), audit_id),
    )


def save_conversation(store: Store, audit_id: int, status: str, transcript: Transcript) -> None:
    """Keep the transcript (by content hash) and link it to the audit."""
    meta = transcript.metadata.get("audit", {})
    digest = transcript.content_hash()
    store.save_transcript(transcript, digest)
    store.db.execute(
        "INSERT OR REPLACE INTO audit_conversations (audit_id, scenario_id, sample,"
        " transcript_id, transcript_hash, status, error, metadata)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            audit_id,
            meta.get("scenario", transcript.id),
            int(meta.get("sample", 0)),
            transcript.id,
            digest,
            status,
            scrub_optional(meta.get("error")),
            json.dumps(transcript.metadata, sort_keys=True),
        ),
    )


def get_audit(store: Store, audit: int | str) -> AuditRecord:
    """The audit with this id; ``latest`` names the newest."""
    if audit == "latest":
        row = store.db.execute("SELECT MAX(id) FROM audits").fetchone()
        if row[0] is None:
            raise AuditError(f"{store.path}: no audits yet")
        audit = int(row[0])
    try:
        audit_id = int(audit)
    except ValueError:
        raise AuditError(f"bad audit id {audit!r}: expected a number or 'latest'") from None
    row = store.db.execute(
        "SELECT id, started, finished, constitution_id, constitution_version, target, auditor,"
        " status, options, totals, pid FROM audits WHERE id = ?",
        (audit_id,),
    ).fetchone()
    if row is None:
        raise AuditError(f"{store.path}: no audit {audit_id}")
    status = row[7]
    if status == "running" and row[10] is not None and not process_alive(row[10]):
        status = "interrupted"  # killed: resume by running the same command again
    head = (row[0], row[1], row[2], row[3], row[4], row[5], row[6], status)
    return AuditRecord(*head, options=json.loads(row[8]), totals=json.loads(row[9]))


def list_audits(store: Store) -> list[AuditRecord]:
    ids = [r[0] for r in store.db.execute("SELECT id FROM audits ORDER BY id DESC")]
    return [get_audit(store, i) for i in ids]


def audit_conversations(store: Store, audit_id: int) -> list[StoredConversation]:
    """An audit's conversations in (scenario, sample) order, as transcripts."""
    rows = store.db.execute(
        "SELECT scenario_id, sample, transcript_id, transcript_hash, status, error, metadata"
        " FROM audit_conversations WHERE audit_id = ? ORDER BY scenario_id, sample",
        (audit_id,),
    )
    out: list[StoredConversation] = []
    for scenario_id, sample, tid, digest, status, error, metadata in rows.fetchall():
        stored = store.get_transcript(digest) if digest else None
        messages = stored.messages if stored is not None else ()
        transcript = Transcript(id=tid, messages=messages, metadata=json.loads(metadata))
        out.append(StoredConversation(scenario_id, int(sample), status, error, transcript))
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def audit_transcripts(store: Store, audit: int | str) -> list[Transcript]:
    """Every conversation of an audit (failed ones too: their metadata says so)."""
    return [c.transcript for c in audit_conversations(store, get_audit(store, audit).id)]
