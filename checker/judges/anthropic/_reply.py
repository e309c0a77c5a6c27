"""The Messages API side of a call: the reply schema it accepts, reading a message,
its usage, and what each SDK exception means for the retry loop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import anthropic
import httpx2
from pydantic import BaseModel

from checker.judges.llm.calling import (
    ConfigFailure,
    Failure,
    Fatal,
    Malformed,
    RateLimited,
    Transient,
)
from checker.judges.llm.reply import MalformedReply, reply_from_json, reply_from_object
from checker.ratelimit import retry_after_seconds
from checker.verdict import Usage

_R = TypeVar("_R", bound=BaseModel)
_SCHEMAS: dict[type[BaseModel], dict[str, Any]] = {}


def reply_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of ``model`` as structured outputs accept it (cached)."""
    if model not in _SCHEMAS:
        _SCHEMAS[model] = anthropic.transform_schema(model)
    return _SCHEMAS[model]


def parse_reply(message: Any, schema: type[_R], output: str, expect_ids: Sequence[str]) -> _R:
    """The validated reply in ``message``, or :class:`MalformedReply`."""
    stop = getattr(message, "stop_reason", None)
    if stop == "refusal":
        raise MalformedReply("the model refused to answer")
    if stop == "max_tokens":
        raise MalformedReply("the reply was cut off at max_tokens")
    content = getattr(message, "content", None) or []
    if output == "tool":
        calls = [b for b in content if getattr(b, "type", None) == "tool_use"]
        if not calls:
            raise MalformedReply("no tool call in the reply")
        return reply_from_object(calls[0].input, schema, expect_ids)
    text = "".join(b.text for b in content if getattr(b, "type", None) == "text")
    return reply_from_json(text, schema, expect_ids)


def usage_of(message: Any) -> Usage:
    """The tokens a message says it used (cache reads and writes apart)."""
    u = getattr(message, "usage", None)
    if u is None:
        return Usage()
    return Usage(
        input_tokens=getattr(u, "input_tokens", 0) or 0,
        cache_read_tokens=getattr(u, "cache_read_input_tokens", 0) or 0,
        cache_write_tokens=getattr(u, "cache_creation_input_tokens", 0) or 0,
        output_tokens=getattr(u, "output_tokens", 0) or 0,
    )


def classify(exc: Exception) -> Failure | None:
    """What an exception of the ``anthropic`` SDK means for the retry loop."""
    if isinstance(exc, anthropic.RateLimitError):
        headers = exc.response.headers
        return RateLimited(describe(exc), retry_after_seconds(headers), headers)
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return ConfigFailure(f"the Messages API refused the credentials: {describe(exc)}")
    if isinstance(exc, anthropic.APIStatusError):
        headers = exc.response.headers
        if not _retryable_status(exc.status_code):
            return Fatal(describe(exc), headers)
        hint = retry_after_seconds(headers)
        return Transient(str(exc.status_code), describe(exc), hint, headers)
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        reason = "timeout" if isinstance(exc, anthropic.APITimeoutError) else "connection"
        return Transient(reason, describe(exc))
    if isinstance(exc, ValueError | AttributeError | TypeError):
        return Malformed(str(exc))
    return None


def _retryable_status(status: int) -> bool:
    return status in (408, 409) or status >= 500


def describe(exc: Exception) -> str:
    """A short description of an SDK error (never the key)."""
    status = getattr(exc, "status_code", None)
    kind = getattr(exc, "type", None)
    message = getattr(exc, "api_message", None) or getattr(exc, "message", None) or str(exc)
    head = " ".join(str(x) for x in (status, kind) if x)
    text = f"{head}: {message}" if head else str(message)
    return text[:300]
