"""The fake Message Batches API: create, retrieve, list, results (JSONL), cancel.

A batch ends ``batch_delay_s`` after it is created (the first request that looks at
it after then processes it); per-request counts stay at ``processing`` until it
ends, as the API documents. Each request is answered by the same grading rule and
prompt cache as ``/v1/messages`` (when ``batch_cache``), or fails as
:class:`BatchFaults` says: ``api_error`` / ``overloaded_error`` / ``invalid_request_error``
results are ``errored``, ``expired`` ones expired. Canceling a batch in progress
ends it at once with every request ``canceled``.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakeapi.backend import FakeBackend, FakeResponse

BATCH_RESULT_FAULTS = ("api_error", "overloaded_error", "invalid_request_error", "expired")


@dataclass
class BatchFaults:
    """Which batch requests fail: by custom id, or at a rate (``kinds`` chosen at random)."""

    by_custom_id: dict[str, str] = field(default_factory=dict)
    rate: float = 0.0
    kinds: tuple[str, ...] = ("api_error", "overloaded_error", "expired")
    seed: int = 0
    first_attempt_only: bool = True
    """Faults hit only requests seen for the first time (a retry, under any custom id,
    succeeds)."""

    def __post_init__(self) -> None:
        for kind in (*self.by_custom_id.values(), *self.kinds):
            if kind not in BATCH_RESULT_FAULTS:
                raise ValueError(f"unknown batch fault {kind!r}; expected {BATCH_RESULT_FAULTS}")
        self._rng = random.Random(self.seed)


@dataclass
class FakeBatch:
    id: str
    requests: list[dict[str, Any]]
    created: datetime
    ends_at: float
    status: str = "in_progress"
    ended: datetime | None = None
    cancel_initiated: datetime | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


class FakeBatches:
    """The batch endpoints of one :class:`FakeBackend` (called under its lock)."""

    def __init__(self, backend: FakeBackend) -> None:
        self.backend = backend
        self.batches: dict[str, FakeBatch] = {}
        self.created = 0
        self.requests = 0
        self._seen: set[str] = set()

    def route(self, method: str, path: str, query: str, host: str, body: bytes) -> FakeResponse:
        from tests.fakeapi.backend import _error

        parts = path.removeprefix("/v1/messages/batches").strip("/").split("/")
        if method == "POST" and parts == [""]:
            return self._create(body)
        if method == "GET" and parts == [""]:
            return self._list(query)
        batch = self.batches.get(parts[0])
        if batch is None:
            return _error(404, "not_found_error", f"no batch {parts[0]!r}")
        self._process(batch)
        if method == "GET" and len(parts) == 1:
            return self._json(self._describe(batch, host))
        if method == "GET" and parts[1:] == ["results"]:
            if batch.status != "ended":
                return _error(400, "invalid_request_error", "batch has not ended")
            lines = "".join(json.dumps(r) + "\n" for r in batch.results)
            return self._raw(lines.encode(), "application/binary")
        if method == "POST" and parts[1:] == ["cancel"]:
            if batch.status == "in_progress":
                batch.cancel_initiated = datetime.now(UTC)
                batch.status = "ended"
                batch.ended = batch.cancel_initiated
                batch.results = [
                    {"custom_id": r["custom_id"], "result": {"type": "canceled"}}
                    for r in batch.requests
                ]
            return self._json(self._describe(batch, host))
        return _error(404, "not_found_error", f"no route {method} {path}")

    # -- endpoints ----------------------------------------------------------------------

    def _create(self, body: bytes) -> FakeResponse:
        from tests.fakeapi.backend import _error

        try:
            requests = json.loads(body)["requests"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "invalid_request_error", "requests is required")
        ids = [r.get("custom_id") for r in requests]
        if not requests or len(set(ids)) != len(ids):
            return _error(400, "invalid_request_error", "custom_id values must be unique")
        self.created += 1
        self.requests += len(requests)
        batch = FakeBatch(
            id=f"msgbatch_fake{self.created:04d}{secrets.token_hex(4)}",
            requests=requests,
            created=datetime.now(UTC),
            ends_at=time.monotonic() + self.backend.config.batch_delay_s,
        )
        self.batches[batch.id] = batch
        return self._json(self._describe(batch, ""))

    def _list(self, query: str) -> FakeResponse:
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        limit = int(params.get("limit") or 20)
        newest_first = list(reversed(self.batches.values()))
        after = params.get("after_id")
        if after:
            ids = [b.id for b in newest_first]
            newest_first = newest_first[ids.index(after) + 1 :] if after in ids else []
        for batch in newest_first:
            self._process(batch)
        page = newest_first[:limit]
        data = [self._describe(b, "") for b in page]
        return self._json(
            {
                "data": data,
                "has_more": len(newest_first) > limit,
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
            }
        )

    # -- processing -------------------------------------------------------------------

    def _process(self, batch: FakeBatch) -> None:
        if batch.status != "in_progress" or time.monotonic() < batch.ends_at:
            return
        batch.results = [self._result(request) for request in batch.requests]
        batch.status = "ended"
        batch.ended = datetime.now(UTC)

    def _result(self, request: dict[str, Any]) -> dict[str, Any]:
        custom_id = request["custom_id"]
        seen = json.dumps(request["params"], sort_keys=True)
        fault = self._fault(custom_id, seen)
        self._seen.add(seen)
        if fault == "expired":
            return {"custom_id": custom_id, "result": {"type": "expired"}}
        if fault is not None:
            error = {"type": "error", "error": {"type": fault, "message": f"fake {fault}"}}
            return {"custom_id": custom_id, "result": {"type": "errored", "error": error}}
        message = self._answer(request["params"])
        return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message}}

    def _answer(self, params: dict[str, Any]) -> dict[str, Any]:
        """The message one batch request gets (its cache writes readable at once)."""
        from tests.fakeapi.backend import _blocks

        if self.backend.config.batch_cache:
            reply, usage, writes = self.backend._answer(params, None)
            expiry = time.monotonic() + self.backend.config.cache_ttl_s
            for key in writes:
                self.backend._cache[key] = expiry
        else:
            total = sum(tokens for _, tokens, _ in _blocks(params))
            reply, usage, _ = self.backend._answer(params, None)
            usage.update(
                input_tokens=total, cache_read_input_tokens=0, cache_creation_input_tokens=0
            )
        written = usage["cache_creation_input_tokens"]
        one_hour = self.backend.config.batch_write_ttl == "1h"
        usage["cache_creation"] = {
            "ephemeral_5m_input_tokens": 0 if one_hour else written,
            "ephemeral_1h_input_tokens": written if one_hour else 0,
        }
        self.backend.stats.batch_input_tokens += usage["input_tokens"]
        self.backend.stats.batch_cache_read_tokens += usage["cache_read_input_tokens"]
        self.backend.stats.batch_cache_write_tokens += usage["cache_creation_input_tokens"]
        self.backend.stats.batch_output_tokens += usage["output_tokens"]
        reply["id"] = f"msg_batch_{self.requests}"
        return reply

    def _fault(self, custom_id: str, seen: str) -> str | None:
        faults = self.backend.config.batch_faults
        if faults.first_attempt_only and seen in self._seen:
            return None
        if custom_id in faults.by_custom_id:
            return faults.by_custom_id[custom_id]
        if faults.rate and faults._rng.random() < faults.rate:
            return faults._rng.choice(faults.kinds)
        return None

    def _describe(self, batch: FakeBatch, host: str) -> dict[str, Any]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if batch.status == "ended":
            for result in batch.results:
                counts[result["result"]["type"]] += 1
        else:
            counts["processing"] = len(batch.requests)
        results_url = None
        if batch.status == "ended":
            results_url = f"/v1/messages/batches/{batch.id}/results"
            if host:
                results_url = f"http://{host}{results_url}"
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": batch.status,
            "request_counts": counts,
            "created_at": _iso(batch.created),
            "expires_at": _iso(batch.created + timedelta(hours=24)),
            "ended_at": _iso(batch.ended) if batch.ended else None,
            "cancel_initiated_at": _iso(batch.cancel_initiated) if batch.cancel_initiated else None,
            "archived_at": None,
            "results_url": results_url,
        }

    @staticmethod
    def _json(value: dict[str, Any]) -> FakeResponse:
        from tests.fakeapi.backend import FakeResponse

        return FakeResponse(200, json.dumps(value).encode())

    @staticmethod
    def _raw(body: bytes, content_type: str) -> FakeResponse:
        from tests.fakeapi.backend import FakeResponse

        return FakeResponse(200, body, {"content-type": content_type})


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
