"""Reading the Claude judge's replies: schema, validation, token usage.

A reply is valid only when it parses into the pydantic model of
:mod:`checker.prompts` and holds numbers in range; anything else raises
:class:`MalformedReply`, which the judge retries and then records as an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import anthropic
from pydantic import BaseModel, ValidationError

from checker.verdict import Usage

_R = TypeVar("_R", bound=BaseModel)


class MalformedReply(Exception):
    """A reply that arrived but does not hold a valid verdict.

    ``partial`` holds what did parse (a grouped reply missing some principles).
    """

    def __init__(self, message: str, partial: BaseModel | None = None) -> None:
        super().__init__(message)
        self.partial = partial


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
    try:
        if output == "tool":
            calls = [b for b in content if getattr(b, "type", None) == "tool_use"]
            if not calls:
                raise MalformedReply("no tool call in the reply")
            reply = schema.model_validate(calls[0].input)
        else:
            text = "".join(b.text for b in content if getattr(b, "type", None) == "text")
            if not text.strip():
                raise MalformedReply("no text in the reply")
            reply = schema.model_validate_json(text)
    except ValidationError as exc:
        raise MalformedReply(
            f"reply does not match the schema ({exc.error_count()} errors)"
        ) from None
    for verdict in getattr(reply, "verdicts", None) or [reply]:
        for value in (verdict.score, verdict.confidence):
            if value is not None and not 0.0 <= value <= 1.0:
                raise MalformedReply(f"value {value} outside 0..1")
    if expect_ids:
        got = {v.principle_id for v in getattr(reply, "verdicts", [])}
        missing = [i for i in expect_ids if i not in got]
        if missing:
            raise MalformedReply(f"no verdict for {', '.join(missing)}", partial=reply)
    return reply


def usage_of(message: Any) -> Usage:
    u = getattr(message, "usage", None)
    if u is None:
        return Usage()
    return Usage(
        input_tokens=getattr(u, "input_tokens", 0) or 0,
        cache_read_tokens=getattr(u, "cache_read_input_tokens", 0) or 0,
        cache_write_tokens=getattr(u, "cache_creation_input_tokens", 0) or 0,
        output_tokens=getattr(u, "output_tokens", 0) or 0,
    )


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(
        input_tokens=a.input_tokens + b.input_tokens,
        cache_read_tokens=a.cache_read_tokens + b.cache_read_tokens,
        cache_write_tokens=a.cache_write_tokens + b.cache_write_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        cost_usd=a.cost_usd + b.cost_usd,
    )


def split_usage(usage: Usage, n: int) -> list[Usage]:
    """``usage`` shared among ``n`` verdicts (remainders go to the first)."""
    if n <= 0:
        return []

    def part(total: int, i: int) -> int:
        return total // n + (total % n if i == 0 else 0)

    return [
        Usage(
            input_tokens=part(usage.input_tokens, i),
            cache_read_tokens=part(usage.cache_read_tokens, i),
            cache_write_tokens=part(usage.cache_write_tokens, i),
            output_tokens=part(usage.output_tokens, i),
            cost_usd=usage.cost_usd / n,
        )
        for i in range(n)
    ]
