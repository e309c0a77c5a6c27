"""The chat completions side of a call: reading a completion, its usage, and what each
SDK exception means for the retry loop."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

import httpx2
import openai
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
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)
_KEY_LIKE = re.compile(r"\b(sk|key)-[\w*.\-]{4,}", re.IGNORECASE)
"""Servers echo (part of) a wrong key in their 401 message; it never goes further."""


def reply_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of ``model`` (as OpenAI's structured outputs want it)."""
    if model not in _SCHEMAS:
        from openai.lib._pydantic import to_strict_json_schema

        _SCHEMAS[model] = to_strict_json_schema(model)
    return _SCHEMAS[model]


class CutOff(MalformedReply):
    """A reply stopped before its end (length, content filter) or refused: not the
    mode's fault, so it does not count against the mode."""


def parse_completion(
    completion: Any, mode: str, schema: type[_R], expect_ids: Sequence[str] = ()
) -> _R:
    """The validated reply in a chat completion, or :class:`MalformedReply`.

    A reply cut off (``finish_reason: length``), filtered or refused is malformed,
    never a verdict; in the modes where the server does not enforce the schema the
    first JSON object of the text is taken (models wrap it in prose or fences).
    """
    choices = getattr(completion, "choices", None) or []
    if not choices:
        raise MalformedReply("the completion has no choices")
    choice = choices[0]
    finish = getattr(choice, "finish_reason", None)
    if finish == "length":
        raise CutOff("the reply was cut off at max_tokens (finish_reason length)")
    if finish == "content_filter":
        raise CutOff("the server's content filter withheld the reply")
    message = choice.message
    refusal = getattr(message, "refusal", None)
    if refusal:
        raise CutOff(f"the model refused to answer: {str(refusal)[:200]}")
    if mode == "tool":
        calls = getattr(message, "tool_calls", None) or []
        if not calls:
            raise MalformedReply("no tool call in the reply")
        try:
            arguments = json.loads(calls[0].function.arguments or "")
        except ValueError:
            raise MalformedReply("the tool call's arguments are not JSON") from None
        return reply_from_object(arguments, schema, expect_ids)
    text = message.content or ""
    if mode in ("json_object", "prompt"):
        text = first_json_object(text)
    return reply_from_json(text, schema, expect_ids)


def first_json_object(text: str) -> str:
    """The JSON object in ``text``: unfenced, or from the first ``{`` to the last ``}``."""
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text


def usage_of(completion: Any) -> tuple[Usage, bool]:
    """The tokens a completion says it used, and whether it reported cached tokens.

    ``cached_tokens`` is part of ``prompt_tokens``: uncached input is the difference.
    """
    u = getattr(completion, "usage", None)
    if u is None:
        return Usage(), False
    prompt = getattr(u, "prompt_tokens", 0) or 0
    details = getattr(u, "prompt_tokens_details", None)
    cached_value = getattr(details, "cached_tokens", None) if details is not None else None
    written_value = getattr(details, "cache_write_tokens", None) if details is not None else None
    cached = min(prompt, int(cached_value or 0))
    written = min(prompt - cached, int(written_value or 0))
    usage = Usage(
        input_tokens=prompt - cached - written,
        cache_read_tokens=cached,
        cache_write_tokens=written,
        output_tokens=getattr(u, "completion_tokens", 0) or 0,
    )
    return usage, cached_value is not None


def classify(exc: Exception) -> Failure | None:
    """What an exception of the ``openai`` SDK means for the retry loop."""
    if isinstance(exc, openai.RateLimitError):
        if _code(exc) == "insufficient_quota":
            return ConfigFailure(f"the server refused for quota: {describe(exc)}")
        headers = exc.response.headers
        return RateLimited(describe(exc), retry_after_seconds(headers), headers)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigFailure(f"the server refused the credentials: {describe(exc)}")
    if isinstance(exc, openai.NotFoundError):
        return ConfigFailure(_not_found(exc))
    if isinstance(exc, openai.APIStatusError):
        headers = exc.response.headers
        if not _retryable_status(exc.status_code):
            return Fatal(describe(exc), headers)
        hint = retry_after_seconds(headers)
        return Transient(str(exc.status_code), describe(exc), hint, headers)
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        reason = "timeout" if isinstance(exc, openai.APITimeoutError) else "connection"
        return Transient(reason, describe(exc))
    if isinstance(exc, ValueError | AttributeError | TypeError):
        return Malformed(str(exc))
    return None


def _not_found(exc: openai.NotFoundError) -> str:
    if _code(exc) == "model_not_found" or "model" in error_message(exc).lower():
        return f"the server does not know that model: {describe(exc)}"
    url = str(exc.request.url) if exc.request is not None else "the server"
    return (
        f"no chat completions endpoint at {url}: check --base-url (most servers want it "
        f"to end in /v1): {describe(exc)}"
    )


def _code(exc: openai.APIStatusError) -> str | None:
    code = getattr(exc, "code", None)
    return str(code) if code else None


def _retryable_status(status: int) -> bool:
    return status in (408, 409) or status >= 500


def error_message(exc: Exception) -> str:
    """The server's own error message (the body's ``error.message`` when there is one)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(getattr(exc, "message", None) or exc)


def describe(exc: Exception) -> str:
    """A short description of an SDK error (never the key)."""
    status = getattr(exc, "status_code", None)
    head = f"{status}: " if status else ""
    return _KEY_LIKE.sub("(key hidden)", head + error_message(exc))[:300]
