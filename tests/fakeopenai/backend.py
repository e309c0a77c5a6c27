"""The fake OpenAI-compatible server's logic, independent of any transport.

:class:`FakeOpenAIBackend` answers ``POST /v1/chat/completions`` and ``GET /v1/models``
as the OpenAI API documents them, with switches for how other servers differ:

- a requests-per-minute token bucket: ``429`` with ``retry-after`` when empty, and
  ``x-ratelimit-limit-requests`` / ``-remaining-requests`` / ``-reset-requests`` (a
  duration such as ``6m0s`` or ``12ms``) on every reply, unless ``ratelimit_headers``
  is off (vLLM, Ollama and llama.cpp send none);
- structured output: strict ``response_format`` json_schema, llama.cpp's
  ``json_object`` + ``schema``, a forced named function tool, plain JSON mode and
  prompt-only JSON; a mode outside ``supports`` is rejected with ``reject_status``
  (400, or 500 with the body llama.cpp sends);
- automatic prefix caching in 128-token steps from 1,024 tokens, reported as
  ``usage.prompt_tokens_details.cached_tokens`` unless ``report_cached`` is off; a
  prefix becomes readable only once the reply of a request that carried it was sent;
- 401 for a wrong key, 403 when ``forbidden``, 404 ``model_not_found`` for a model
  outside ``models``;
- injected faults (:data:`FAULT_KINDS`), at a rate or on a schedule.

Tokens are counted by the rule stated in :mod:`tests.fakeopenai.tokens`. Replies are
graded as the fake Messages API grades (:mod:`tests.fakeopenai.grading`).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakeapi.backend import FakeResponse
from tests.fakeopenai.grading import Grader, request_mode
from tests.fakeopenai.tokens import count_text, prompt_tokens

FAULT_KINDS = (
    "500",  # server_error
    "503",  # overloaded
    "400",  # context length exceeded (not retryable)
    "429",  # a refusal even though the bucket has room
    "hang",  # no reply until the client gives up
    "malformed",  # 200 with a body that is not JSON
    "truncated",  # 200 whose body stops short of its Content-Length
    "bad_reply",  # valid completion, the JSON reply misses required fields
    "no_json",  # valid completion, prose instead of JSON
    "refusal",  # message.refusal set, no content
    "length",  # finish_reason "length", JSON cut off
)
MODES = ("json_schema", "json_object_schema", "tool", "json_object", "prompt")
"""What the fake recognises in a request (see :func:`tests.fakeopenai.grading.request_mode`)."""
LLAMA_CPP_500 = (
    "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}]"
)
CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128


@dataclass
class FaultPlan:
    """Which completions fail and how: by 1-based request number, or at a rate."""

    schedule: dict[int, str] = field(default_factory=dict)
    rate: float = 0.0
    kinds: tuple[str, ...] = ("500", "503")
    seed: int = 0

    def __post_init__(self) -> None:
        import random

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
class FakeOpenAIConfig:
    latency_s: float = 0.0
    rpm: int | None = None
    """Requests per minute; ``None`` means no limit."""
    burst: float | None = None
    """Bucket capacity; defaults to one second's worth of requests (at least 1)."""
    faults: FaultPlan = field(default_factory=FaultPlan)
    supports: frozenset[str] = frozenset(MODES)
    reject_status: int = 400
    """How an unsupported mode is refused: 400, or 500 as llama.cpp does for json_schema."""
    ratelimit_headers: bool = True
    report_cached: bool = True
    """Report ``usage.prompt_tokens_details.cached_tokens`` (off: llama.cpp, vLLM by default)."""
    api_key: str | None = None
    """When set, requests must carry ``Authorization: Bearer <api_key>``."""
    echo_key: bool = False
    """Put the key a refused request carried in the 401's message."""
    forbidden: bool = False
    models: tuple[str, ...] | None = None
    """When set, other model names are answered 404 ``model_not_found``."""
    reasoning_model: bool = False
    """Refuse ``temperature`` other than 1 and ``max_tokens``, as OpenAI's reasoning models do."""
    quota_exhausted: bool = False
    """Answer 429 ``insufficient_quota`` (no retry will help)."""
    trigger: str = "FORBIDDEN"
    triggers: dict[str, str] = field(default_factory=dict)
    not_applicable_word: str = "OFFTOPIC"
    hang_s: float = 30.0
    cache_ttl_s: float = 300.0
    script: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
    """Scripted replies for models that talk: see :mod:`tests.fakeopenai.scripted`."""


def llama_cpp_config(**kwargs: Any) -> FakeOpenAIConfig:
    """A server behaving as llama.cpp's was measured to (``../shared/SERVERS.md``)."""
    options: dict[str, Any] = {
        "supports": frozenset(MODES) - {"json_schema"},
        "reject_status": 500,
        "ratelimit_headers": False,
        "report_cached": False,
    }
    return FakeOpenAIConfig(**{**options, **kwargs})


@dataclass
class Stats:
    """Counters for tests and benchmarks (read them after the client is done)."""

    requests: int = 0
    completions: int = 0
    ok: int = 0
    rate_limited: int = 0
    rejected_modes: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    first_at: float | None = None
    last_at: float | None = None
    bodies: list[dict[str, Any]] = field(default_factory=list)
    usages: list[dict[str, Any]] = field(default_factory=list)


class FakeOpenAIBackend:
    """Thread-safe request handler holding the bucket, the prefix cache and the counters."""

    def __init__(self, config: FakeOpenAIConfig | None = None, *, keep_bodies: bool = False):
        self.config = config or FakeOpenAIConfig()
        self.stats = Stats()
        self.keep_bodies = keep_bodies
        self.grader = Grader(self.config)
        self._lock = threading.Lock()
        rpm = self.config.rpm
        self._capacity = self.config.burst or max(1.0, (rpm or 60) / 60)
        self._tokens = self._capacity
        self._refilled_at = time.monotonic()
        self._cache: dict[str, float] = {}

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> FakeResponse:
        """Answer one request (the caller applies ``delay_s``, ``hang`` and ``truncate``)."""
        path = path.split("?", 1)[0]
        with self._lock:
            self.stats.requests += 1
            now = time.monotonic()
            self.stats.first_at = self.stats.first_at or now
            self.stats.last_at = now
            response = self._route(method, path, {k.lower(): v for k, v in headers.items()}, body)
            self.stats.statuses[response.status] += 1
        response.headers.setdefault("content-type", "application/json")
        response.headers.setdefault("x-request-id", f"req_fake_{self.stats.requests}")
        return response

    def commit(self, response: FakeResponse) -> None:
        """Make the prefixes a completed request carried readable from the cache."""
        if not response.cache_writes:
            return
        with self._lock:
            expiry = time.monotonic() + self.config.cache_ttl_s
            for key in response.cache_writes:
                self._cache[key] = expiry

    # -- routing, auth, rate limit ----------------------------------------------------

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> FakeResponse:
        config = self.config
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if config.api_key is not None and bearer != config.api_key:
            shown = f": {bearer}" if config.echo_key else ""  # as careless servers do
            return error(401, f"Incorrect API key provided{shown}.", code="invalid_api_key")
        if config.forbidden:
            return error(403, "You are not allowed to use this project.", code="forbidden")
        if method == "GET" and path == "/v1/models":
            names = config.models or ("fake-model",)
            data = [{"id": n, "object": "model", "owned_by": "fake"} for n in names]
            return FakeResponse(200, json.dumps({"object": "list", "data": data}).encode())
        if method != "POST" or path != "/v1/chat/completions":
            return error(404, f"no route {method} {path}", kind="not_found")
        try:
            request = json.loads(body)
        except ValueError:
            return error(400, "We could not parse the JSON body of your request.")
        if not isinstance(request, dict) or "model" not in request or "messages" not in request:
            return error(400, "model and messages are required")
        if config.models is not None and request["model"] not in config.models:
            message = f"The model `{request['model']}` does not exist or you do not have access."
            return error(404, message, code="model_not_found")
        return self._completion(request)

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
        if not self.config.ratelimit_headers:
            return allowed, {}, wait
        headers = {
            "x-ratelimit-limit-requests": str(rpm),
            "x-ratelimit-remaining-requests": str(int(self._tokens)),
            "x-ratelimit-reset-requests": go_duration((self._capacity - self._tokens) / rate),
        }
        return allowed, headers, wait

    # -- completions ------------------------------------------------------------------

    def _completion(self, request: dict[str, Any]) -> FakeResponse:
        stats = self.stats
        stats.completions += 1
        if self.keep_bodies:
            stats.bodies.append(request)
        refused = self._refused_parameters(request)
        if refused is not None:
            return refused
        mode = request_mode(request)
        if mode not in self.config.supports:
            stats.rejected_modes[mode] += 1
            return self._reject(mode)
        allowed, rl_headers, wait = self._take()
        fault = self.config.faults.pick(stats.completions)
        if not allowed or fault == "429":
            stats.rate_limited += 1
            if fault == "429":
                stats.faults[fault] += 1
            response = error(429, "Rate limit reached for requests.", code="rate_limit_exceeded")
            response.headers.update(rl_headers)
            response.headers["retry-after"] = str(max(1, math.ceil(wait)))
            return response
        latency = self.config.latency_s
        if fault is not None:
            stats.faults[fault] += 1
            failed = _fault(fault)
            if failed is not None:
                failed.headers.update(rl_headers)
                failed.delay_s = latency
                return failed
        tokens = prompt_tokens(request)
        cached, writes = self._cached_prefix(str(request["model"]), tokens)
        scripted = self.config.script(request) if self.config.script else None
        if scripted is not None and "error" in scripted:
            status, message = scripted["error"]
            return error(status, message)
        if scripted is not None:
            choice, text = scripted["choice"], scripted["text"]
        else:
            choice, text = self.grader.choice(request, mode, fault)
        usage: dict[str, Any] = {
            "prompt_tokens": len(tokens),
            "completion_tokens": count_text(text),
            "total_tokens": len(tokens) + count_text(text),
        }
        if self.config.report_cached:
            usage["prompt_tokens_details"] = {"cached_tokens": cached}
        reply = {
            "id": f"chatcmpl-fake{stats.completions}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request["model"],
            "choices": [choice],
            "usage": usage,
        }
        stats.ok += 1
        stats.modes[mode] += 1
        stats.prompt_tokens += len(tokens)
        stats.cached_tokens += cached
        stats.completion_tokens += usage["completion_tokens"]
        stats.usages.append({**usage, "cached": cached})
        response = FakeResponse(200, json.dumps(reply).encode(), dict(rl_headers), latency)
        response.cache_writes = writes
        response.truncate = fault == "truncated"
        return response

    def _refused_parameters(self, request: dict[str, Any]) -> FakeResponse | None:
        if self.config.quota_exhausted:
            message = "You exceeded your current quota, please check your plan and billing."
            return error(429, message, "insufficient_quota", code="insufficient_quota")
        if not self.config.reasoning_model:
            return None
        if request.get("temperature", 1) != 1:
            message = (
                f"Unsupported value: 'temperature' does not support {request['temperature']} "
                "with this model. Only the default (1) value is supported."
            )
            return error(400, message, param="temperature", code="unsupported_value")
        if "max_tokens" in request:
            message = (
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead."
            )
            return error(400, message, param="max_tokens", code="unsupported_parameter")
        return None

    def _reject(self, mode: str) -> FakeResponse:
        if self.config.reject_status == 500:
            message = LLAMA_CPP_500 if mode == "json_schema" else f"unsupported request: {mode}"
            return error(500, message, kind="internal_server_error")
        what = {"tool": "tool_choice", "prompt": "messages"}.get(mode, "response_format")
        return error(
            self.config.reject_status,
            f"'{what}' of type '{mode}' is not supported with this model.",
            param=what,
        )

    def _cached_prefix(self, model: str, tokens: list[str]) -> tuple[int, tuple[str, ...]]:
        """(tokens read from the cache, keys of every cacheable prefix of this prompt)."""
        digest = hashlib.sha256(model.encode())
        keys: list[tuple[str, int]] = []
        for i, token in enumerate(tokens, start=1):
            digest.update(token.encode() + b"\0")
            if i >= CACHE_MIN_TOKENS and (i - CACHE_MIN_TOKENS) % CACHE_STEP_TOKENS == 0:
                keys.append((digest.copy().hexdigest(), i))
        now = time.monotonic()
        cached = 0
        for key, length in reversed(keys):
            if self._cache.get(key, 0.0) > now:
                cached = length
                break
        return cached, tuple(k for k, _ in keys)


def _fault(kind: str) -> FakeResponse | None:
    if kind == "500":
        return error(500, "The server had an error while processing your request.", "server_error")
    if kind == "503":
        return error(503, "The engine is currently overloaded, please try again later.")
    if kind == "400":
        message = "This model's maximum context length is 4096 tokens."
        return error(400, message, code="context_length_exceeded")
    if kind == "hang":
        return FakeResponse(200, b"", hang=True)
    if kind == "malformed":
        return FakeResponse(200, b'{"id": "chatcmpl-broken", "object": "chat.completion", "cho')
    return None  # the others are shaped replies, built by the grader


def error(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    *,
    code: str | None = None,
    param: str | None = None,
) -> FakeResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return FakeResponse(status, json.dumps(body).encode())


def go_duration(seconds: float) -> str:
    """A duration as OpenAI writes reset times: ``6m0s``, ``1.5s``, ``12ms``."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{text}" if minutes else text
