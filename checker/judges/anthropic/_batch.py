"""The Claude judge's batching capability: the Message Batches API (``--batch``).

Requests are the per-principle requests of interactive grading, cache breakpoints
included (the API applies prompt caching to batches on a best-effort basis).
Results are read as interactive replies are: a malformed reply, an expired
request and a transient error (``api_error``, ``overloaded_error``) are worth a
follow-up batch; an invalid request is an error at once. Usage is priced at the
batch rate (:data:`checker.pricing.BATCH_DISCOUNT` of every list price, cache
writes and reads included).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from checker.judges._batching import BatchInfo, BatchResult
from checker.judges.anthropic._reply import parse_reply, usage_of
from checker.judges.llm import CallResult, VerdictReply, principle_request, verdict_from_reply
from checker.judges.llm.reply import MalformedReply
from checker.transcript import Transcript
from checker.verdict import Usage, Verdict
from constitution.model import Constitution, Principle

if TYPE_CHECKING:
    from checker.judges.anthropic._judge import AnthropicJudge

TRANSIENT_ERRORS = frozenset({"api_error", "overloaded_error"})
MAX_REQUESTS = 100_000
MAX_BYTES = 256 * 1000 * 1000 - 1_000_000
"""The API's 256 MB, less room for the envelope."""


class AnthropicBatching:
    """Implements :class:`checker.judges.Batching` for :class:`AnthropicJudge`."""

    max_requests = MAX_REQUESTS
    max_bytes = MAX_BYTES

    def __init__(self, judge: AnthropicJudge) -> None:
        self._judge = judge
        self._price = judge.price.at_batch_rate()

    def request(
        self, transcript: Transcript, principle: Principle, constitution: Constitution
    ) -> dict[str, Any]:
        requests = self._judge.requests
        system = requests.system(constitution)
        return requests.body(
            system, transcript, principle_request(principle, constitution), VerdictReply
        )

    async def create(self, requests: Sequence[tuple[str, dict[str, Any]]]) -> BatchInfo:
        batch = await self._judge.client.messages.batches.create(
            requests=[{"custom_id": cid, "params": params} for cid, params in requests]  # type: ignore[typeddict-item]
        )
        return _info(batch)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        return _info(await self._judge.client.messages.batches.retrieve(batch_id))

    async def list(self) -> list[BatchInfo]:
        return [_info(b) async for b in self._judge.client.messages.batches.list(limit=100)]

    async def cancel(self, batch_id: str) -> BatchInfo:
        return _info(await self._judge.client.messages.batches.cancel(batch_id))

    async def results(self, batch_id: str) -> AsyncIterator[BatchResult]:
        decoder = await self._judge.client.messages.batches.results(batch_id)
        async for item in decoder:
            yield self._read(item.custom_id, item.result)

    def _read(self, custom_id: str, result: Any) -> BatchResult:
        kind = result.type
        if kind == "succeeded":
            usage = usage_of(result.message)
            cost = self._price.cost_with_1h_writes(usage, _write_1h_tokens(result.message))
            usage = usage.model_copy(update={"cost_usd": cost})
            try:
                reply = parse_reply(result.message, VerdictReply, self._judge.output, ())
            except MalformedReply as exc:
                return BatchResult(custom_id, "retry", usage=usage, error=f"malformed reply: {exc}")
            return BatchResult(custom_id, "succeeded", reply, usage)
        if kind == "errored":
            error = result.error.error
            text = f"{error.type}: {error.message}"
            return BatchResult(
                custom_id, "retry" if error.type in TRANSIENT_ERRORS else "failed", error=text
            )
        if kind == "expired":
            return BatchResult(custom_id, "retry", error="the request expired in its batch")
        return BatchResult(custom_id, "canceled", error="the batch was canceled")

    def verdict(
        self,
        result: BatchResult,
        transcript: Transcript,
        principle: Principle,
        sample_index: int,
    ) -> Verdict:
        reply = result.reply if isinstance(result.reply, VerdictReply) else None
        call = CallResult(reply, result.usage, result.error, 0.0)
        return verdict_from_reply(self._judge, transcript, principle, sample_index, reply, call)

    def cost(self, usage: Usage) -> float:
        return self._price.cost(usage)


def _write_1h_tokens(message: Any) -> int:
    """Cache writes with the 1-hour lifetime, when the usage breaks writes down."""
    creation = getattr(getattr(message, "usage", None), "cache_creation", None)
    return int(getattr(creation, "ephemeral_1h_input_tokens", 0) or 0)


def _info(batch: Any) -> BatchInfo:
    counts = batch.request_counts
    return BatchInfo(
        id=batch.id,
        status=batch.processing_status,
        counts={
            "processing": counts.processing,
            "succeeded": counts.succeeded,
            "errored": counts.errored,
            "canceled": counts.canceled,
            "expired": counts.expired,
        },
        created_at=batch.created_at.isoformat(),
        expires_at=batch.expires_at.isoformat(),
        ended_at=batch.ended_at.isoformat() if batch.ended_at else None,
    )
