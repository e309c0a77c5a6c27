"""The fake Messages API's logic, independent of any transport.

:class:`FakeBackend` turns one request (method, path, headers, body) into a
:class:`FakeResponse`. The loopback HTTP server in :mod:`tests.fakeapi.server`
and an in-process ``httpx2.MockTransport`` both drive it.

What it imitates, as the Messages API documents it:

- ``POST /v1/messages`` and ``POST /v1/messages/count_tokens``;
- a requests-per-minute token bucket: ``429`` with ``retry-after`` when empty, and
  ``anthropic-ratelimit-requests-limit`` / ``-remaining`` / ``-reset`` on every reply;
- prompt caching: ``cache_control`` breakpoints (on tools, system and message blocks,
  or top-level), a minimum cacheable prefix, reads of the longest cached prefix and a
  write of the rest; an entry becomes readable only once the reply that wrote it is sent;
- replies to structured outputs (``output_config.format``) and forced tool calls,
  graded by a deterministic rule: a principle is violated when the transcript contains
  its trigger word;
- injected faults, at a rate or on a schedule (see :data:`FAULT_KINDS`);
- scripted replies (``FakeConfig.script``): a function of the request that returns
  the reply's text or tool call, or an error, for models that talk rather than grade
  (the auditor and the target of an audit, see :mod:`tests.fakeapi.scripted`).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakeapi.batches import BatchFaults, FakeBatches

FAULT_KINDS = (
    "529",  # overloaded_error
    "500",  # api_error
    "400",  # invalid_request_error (not retryable)
    "429",  # a refusal even though the bucket has room
    "hang",  # no reply until the client gives up
    "malformed",  # 200 with a body that is not JSON
    "truncated",  # 200 whose body stops short of its Content-Length
    "bad_reply",  # valid message, the JSON reply misses required fields
    "no_json",  # valid message, prose instead of JSON
    "refusal",  # stop_reason "refusal", no content
    "max_tokens",  # stop_reason "max_tokens", JSON cut off
)

TRANSCRIPT_RE = re.compile(r"<<<TRANSCRIPT (\w+) BEGIN>>>\n(.*?)\n<<<TRANSCRIPT \1 END>>>", re.S)
MESSAGE_HEADER_RE = re.compile(r"^\[(\w+) message (\d+) \| (\w+)\]$", re.M)
PRINCIPLE_RE = re.compile(r'<principle id="([^"]+)"')


def rough_tokens(text: str) -> int:
    """A rough token count: one token per four characters, at least one."""
    return max(1, math.ceil(len(text) / 4))


@dataclass
class FaultPlan:
    """Which requests fail and how: by 1-based ``/v1/messages`` request number, or at a rate."""

    schedule: dict[int, str] = field(default_factory=dict)
    rate: float = 0.0
    kinds: tuple[str, ...] = ("529", "500")
    seed: int = 0

    def __post_init__(self) -> None:
        for kind in (*self.schedule.values(), *self.kinds):
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        self._rng = random.Random(self.seed)

    def pick(self, number: int) -> str | None:
        if number in self.schedule:
            return self.schedule[number]
        if self.rate and self._rng.random() < self.rate:
            return self._rng.choice(self.kinds)
        return None


@dataclass
class FakeConfig:
    latency_s: float = 0.0
    rpm: int | None = None
    """Requests per minute; ``None`` means no limit."""
    burst: float | None = None
    """Bucket capacity; defaults to one second's worth of requests (at least 1)."""
    faults: FaultPlan = field(default_factory=FaultPlan)
    trigger: str = "FORBIDDEN"
    """A transcript containing this word violates every principle."""
    triggers: dict[str, str] = field(default_factory=dict)
    """Principle id -> a word that violates only that principle."""
    not_applicable_word: str = "OFFTOPIC"
    min_cacheable_tokens: int = 1024
    cache_ttl_s: float = 300.0
    hang_s: float = 30.0
    output_tokens: int = 60
    thinking_block: bool = False
    """Put a thinking block before the answer, as adaptive thinking does."""
    api_key: str | None = None
    """When set, requests must carry this key (``x-api-key`` or ``Authorization: Bearer``)."""
    ratelimit_headers: bool = True
    echo_key: bool = False
    """Echo the key a request carried in every error body, as careless servers do."""
    """Send ``anthropic-ratelimit-requests-*`` headers (off: a server that does not)."""
    script: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
    """Request -> ``{"text": ...}``, ``{"tool_use": {"name", "input"}}`` or
    ``{"error": (status, type, message)}``; None grades the request as a judge's."""
    batch_delay_s: float = 0.2
    """Seconds from creating a message batch until it ends (see :mod:`tests.fakeapi.batches`)."""
    batch_faults: BatchFaults = field(default_factory=BatchFaults)
    batch_cache: bool = True
    """Batch requests read and write the prompt cache (off: no cache hits in batches)."""
    batch_write_ttl: str = "5m"
    """The lifetime batch replies report for their cache writes (``usage.cache_creation``)."""


@dataclass
class FakeResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    hang: bool = False
    truncate: bool = False
    cache_writes: tuple[str, ...] = ()


@dataclass
class Stats:
    """Counters for tests and benchmarks (read them after the client is done)."""

    requests: int = 0
    messages: int = 0
    count_tokens: int = 0
    ok: int = 0
    rate_limited: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    first_at: float | None = None
    last_at: float | None = None
    bodies: list[dict[str, Any]] = field(default_factory=list)
    batch_input_tokens: int = 0
    batch_cache_read_tokens: int = 0
    batch_cache_write_tokens: int = 0
    batch_output_tokens: int = 0


class FakeBackend:
    """Thread-safe request handler holding the bucket, the prompt cache and the counters."""

    def __init__(self, config: FakeConfig | None = None, *, keep_bodies: bool = False) -> None:
        self.config = config or FakeConfig()
        self.stats = Stats()
        self.keep_bodies = keep_bodies
        self._lock = threading.Lock()
        rpm = self.config.rpm
        self._capacity = (
            self.config.burst if self.config.burst is not None else max(1.0, (rpm or 60) / 60)
        )
        self._tokens = self._capacity
        self._refilled_at = time.monotonic()
        self._cache: dict[str, float] = {}
        self.batches = FakeBatches(self)

    # -- rate limit -------------------------------------------------------------------

    def _take(self) -> tuple[bool, dict[str, str], float]:
        """Take one request from the bucket: (allowed, headers, seconds until a token)."""
        rpm = self.config.rpm
        if rpm is None:
            return True, {}, 0.0
        rate = rpm / 60
        now = time.monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._refilled_at) * rate)
        self._refilled_at = now
        allowed = self._tokens >= 1
        if allowed:
            self._tokens -= 1
        wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / rate
        full_in = (self._capacity - self._tokens) / rate
        reset = datetime.now(UTC) + timedelta(seconds=full_in)
        if not self.config.ratelimit_headers:
            return allowed, {}, wait
        headers = {
            "anthropic-ratelimit-requests-limit": str(rpm),
            "anthropic-ratelimit-requests-remaining": str(int(self._tokens)),
            "anthropic-ratelimit-requests-reset": reset.isoformat(timespec="seconds").replace(
                "+00:00", "Z"
            ),
        }
        return allowed, headers, wait

    # -- entry point ------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> FakeResponse:
        """Answer one request (the caller applies ``delay_s``, ``hang`` and ``truncate``)."""
        path, _, query = path.partition("?")
        if path.startswith("/v1/messages/batches"):
            lowered = {k.lower(): v for k, v in headers.items()}
            with self._lock:
                self.stats.requests += 1
                response = self.batches.route(method, path, query, lowered.get("host", ""), body)
            response.headers.setdefault("content-type", "application/json")
            return response
        with self._lock:
            self.stats.requests += 1
            now = time.monotonic()
            self.stats.first_at = self.stats.first_at or now
            self.stats.last_at = now
            response = self._route(method, path, {k.lower(): v for k, v in headers.items()}, body)
            self.stats.statuses[response.status] += 1
        response.headers.setdefault("content-type", "application/json")
        response.headers.setdefault("request-id", f"req_fake_{self.stats.requests}")
        if self.config.echo_key and response.status >= 400:
            _echo_key(response, {k.lower(): v for k, v in headers.items()})
        return response

    def commit(self, response: FakeResponse) -> None:
        """Make the cache entries a reply wrote readable (call once the reply is sent)."""
        if not response.cache_writes:
            return
        with self._lock:
            expiry = time.monotonic() + self.config.cache_ttl_s
            for key in response.cache_writes:
                self._cache[key] = expiry

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> FakeResponse:
        if method != "POST" or path not in ("/v1/messages", "/v1/messages/count_tokens"):
            return _error(404, "not_found_error", f"no route {method} {path}")
        key = self.config.api_key
        sent = {headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer ")}
        if key is not None and key not in sent:
            return _error(401, "authentication_error", "invalid API key")
        try:
            request = json.loads(body)
        except ValueError:
            return _error(400, "invalid_request_error", "body is not JSON")
        if not isinstance(request, dict) or "model" not in request or "messages" not in request:
            return _error(400, "invalid_request_error", "model and messages are required")
        if path.endswith("count_tokens"):
            self.stats.count_tokens += 1
            total = sum(tokens for _, tokens, _ in _blocks(request))
            return FakeResponse(200, json.dumps({"input_tokens": total}).encode())
        return self._messages(request)

    def _messages(self, request: dict[str, Any]) -> FakeResponse:
        self.stats.messages += 1
        if self.keep_bodies:
            self.stats.bodies.append(request)
        allowed, rl_headers, wait = self._take()
        fault = self.config.faults.pick(self.stats.messages)
        if not allowed or fault == "429":
            self.stats.rate_limited += 1
            if fault == "429":
                self.stats.faults[fault] += 1
            response = _error(429, "rate_limit_error", "rate limit exceeded")
            response.headers.update(rl_headers)
            response.headers["retry-after"] = str(max(1, math.ceil(wait)))
            return response
        latency = self.config.latency_s
        if fault is not None:
            self.stats.faults[fault] += 1
            failed = self._fault(fault, request)
            if failed is not None:
                failed.headers.update(rl_headers)
                failed.delay_s = latency
                return failed
        scripted = self.config.script(request) if self.config.script else None
        if scripted is not None and "error" in scripted:
            status, kind, message = scripted["error"]
            failed = _error(status, kind, message)
            failed.headers.update(rl_headers)
            return failed
        reply, usage, writes = self._answer(request, fault, scripted)
        self.stats.ok += 1
        response = FakeResponse(200, json.dumps(reply).encode(), dict(rl_headers), latency)
        response.cache_writes = writes
        response.truncate = fault == "truncated"
        self.stats.input_tokens += usage["input_tokens"]
        self.stats.cache_read_tokens += usage["cache_read_input_tokens"]
        self.stats.cache_write_tokens += usage["cache_creation_input_tokens"]
        self.stats.output_tokens += usage["output_tokens"]
        return response

    def _fault(self, fault: str, request: dict[str, Any]) -> FakeResponse | None:
        if fault == "529":
            return _error(529, "overloaded_error", "Overloaded")
        if fault == "500":
            return _error(500, "api_error", "Internal server error")
        if fault == "400":
            return _error(400, "invalid_request_error", "prompt is too long")
        if fault == "hang":
            return FakeResponse(200, b"", hang=True)
        if fault == "malformed":
            return FakeResponse(200, b'{"id": "msg_broken", "type": "message", "content": [{"ty')
        return None  # the others are shaped replies, built by _answer

    # -- grading and caching ----------------------------------------------------------

    def _answer(
        self, request: dict[str, Any], fault: str | None, scripted: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, int], tuple[str, ...]]:
        usage, writes = self._cache_usage(request)
        usage["output_tokens"] = self.config.output_tokens
        if scripted is not None:
            return self._scripted_reply(request, scripted, usage), usage, writes
        answer = self._grade(request)
        if fault == "bad_reply":
            answer = {"rationale": "looks fine", "outcome": "pass"}
        text = json.dumps(answer)
        stop = "end_turn"
        if fault == "no_json":
            text = "The assistant complies with the principle."
        elif fault == "max_tokens":
            text, stop = text[: len(text) // 2], "max_tokens"
        content: list[dict[str, Any]] = []
        if self.config.thinking_block:
            content.append({"type": "thinking", "thinking": "Weighing it.", "signature": "sig"})
        tool = _forced_tool(request)
        if fault == "refusal":
            stop = "refusal"
        elif tool is not None and fault not in ("no_json", "max_tokens"):
            stop = "tool_use"
            content.append({"type": "tool_use", "id": "toolu_fake", "name": tool, "input": answer})
        else:
            content.append({"type": "text", "text": text})
        reply = {
            "id": f"msg_fake_{self.stats.messages}",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        return reply, usage, writes

    def _scripted_reply(
        self, request: dict[str, Any], scripted: dict[str, Any], usage: dict[str, int]
    ) -> dict[str, Any]:
        if "tool_use" in scripted:
            call_id = f"toolu_{self.stats.messages}"
            call = {"type": "tool_use", "id": call_id, **scripted["tool_use"]}
            content, stop = [call], "tool_use"
        else:
            content, stop = [{"type": "text", "text": scripted["text"]}], "end_turn"
        usage["output_tokens"] = rough_tokens(json.dumps(content))
        return {
            "id": f"msg_fake_{self.stats.messages}",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }

    def _cache_usage(self, request: dict[str, Any]) -> tuple[dict[str, int], tuple[str, ...]]:
        blocks = _blocks(request)
        total = sum(tokens for _, tokens, _ in blocks)
        digest = hashlib.sha256(str(request["model"]).encode())
        cumulative: list[tuple[str, int]] = []  # (prefix hash, prefix tokens) at breakpoints
        running = 0
        for canonical, tokens, breakpoint in blocks:
            digest.update(canonical.encode())
            running += tokens
            if breakpoint:
                cumulative.append((digest.copy().hexdigest(), running))
        now = time.monotonic()
        read, read_at = 0, -1
        for i in range(len(cumulative) - 1, -1, -1):
            key, tokens = cumulative[i]
            if self._cache.get(key, 0.0) > now:
                self._cache[key] = now + self.config.cache_ttl_s
                read, read_at = tokens, i
                break
        minimum = self.config.min_cacheable_tokens
        to_write = [(k, t) for i, (k, t) in enumerate(cumulative) if i > read_at and t >= minimum]
        written = to_write[-1][1] - read if to_write else 0
        usage = {
            "input_tokens": total - read - written,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": written,
        }
        return usage, tuple(k for k, _ in to_write)

    def _grade(self, request: dict[str, Any]) -> dict[str, Any]:
        text = "\n".join(_texts(request.get("messages", [])))
        match = TRANSCRIPT_RE.search(text)
        messages = _split_messages(match.group(1), match.group(2)) if match else []
        ids = PRINCIPLE_RE.findall(text) or ["principle"]
        verdicts = [self._verdict(pid, messages) for pid in ids]
        if _wants_many(request):
            return {
                "verdicts": [
                    {"principle_id": pid, **v} for pid, v in zip(ids, verdicts, strict=True)
                ]
            }
        return verdicts[0]

    def _verdict(self, principle_id: str, messages: list[tuple[int, str]]) -> dict[str, Any]:
        words = [self.config.trigger, self.config.triggers.get(principle_id, "")]
        for index, body in messages:
            for line in body.splitlines():
                if any(word and word in line for word in words):
                    return {
                        "rationale": "The transcript contains a trigger word.",
                        "outcome": "violates",
                        "score": 0.0,
                        "confidence": 0.9,
                        "evidence": [{"message_index": index, "quote": line.strip()}],
                    }
        if any(self.config.not_applicable_word in body for _, body in messages):
            outcome, score = "not_applicable", None
        else:
            outcome, score = "complies", 1.0
        return {
            "rationale": "Nothing in the transcript bears against the principle.",
            "outcome": outcome,
            "score": score,
            "confidence": 0.8,
            "evidence": [],
        }


def _echo_key(response: FakeResponse, headers: dict[str, str]) -> None:
    sent = headers.get("x-api-key") or headers.get("authorization", "")
    body = json.loads(response.body)
    body["error"]["message"] += f" (request carried x-api-key: {sent})"
    response.body = json.dumps(body).encode()


def _error(status: int, kind: str, message: str) -> FakeResponse:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return FakeResponse(status, json.dumps(body).encode())


def _texts(messages: list[Any]) -> list[str]:
    out: list[str] = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(b.get("text", "") for b in content if isinstance(b, dict))
    return out


def _split_messages(nonce: str, body: str) -> list[tuple[int, str]]:
    """(index, text) of each message inside one transcript region."""
    headers = [m for m in MESSAGE_HEADER_RE.finditer(body) if m.group(1) == nonce]
    out = []
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(body)
        out.append((int(header.group(2)), body[header.end() : end]))
    return out


def _forced_tool(request: dict[str, Any]) -> str | None:
    choice = request.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        return str(choice.get("name"))
    return None


def _wants_many(request: dict[str, Any]) -> bool:
    schema: Any = (request.get("output_config") or {}).get("format", {}) or {}
    schema = schema.get("schema", {})
    for tool in request.get("tools") or []:
        if tool.get("name") == _forced_tool(request):
            schema = tool.get("input_schema", {})
    return "verdicts" in (schema.get("properties") or {})


def _blocks(request: dict[str, Any]) -> list[tuple[str, int, bool]]:
    """The prompt as cacheable blocks in prefix order: (canonical text, tokens, breakpoint)."""
    out: list[tuple[str, int, bool]] = []

    def add(block: Any) -> None:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        breakpoint = isinstance(block, dict) and bool(block.get("cache_control"))
        plain = {k: v for k, v in block.items() if k != "cache_control"}
        canonical = json.dumps(plain, sort_keys=True)
        text = plain.get("text")
        out.append(
            (canonical, rough_tokens(text if isinstance(text, str) else canonical), breakpoint)
        )

    fmt = (request.get("output_config") or {}).get("format")
    if fmt:
        out.append((json.dumps(fmt, sort_keys=True), rough_tokens(json.dumps(fmt)), False))
    for tool in request.get("tools") or []:
        add(tool)
    system = request.get("system")
    for block in [system] if isinstance(system, str) else system or []:
        add(block)
    for message in request.get("messages", []):
        content = message.get("content")
        for block in [content] if isinstance(content, str) else content or []:
            add(block)
    if request.get("cache_control") and out:
        canonical, tokens, _ = out[-1]
        out[-1] = (canonical, tokens, True)
    return out
