"""Reading a model's reply into the verdict schema of :mod:`checker.judges.llm.prompts`.

A reply is valid only when it parses into the pydantic model and holds numbers in
range (and, for a grouped reply, a verdict for every principle asked about);
anything else raises :class:`MalformedReply`, which the call loop retries and
then records as an error. Provider modules take the reply's text or object out of
their own message shape and hand it to :func:`reply_from_json` or
:func:`reply_from_object`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

_R = TypeVar("_R", bound=BaseModel)


class MalformedReply(Exception):
    """A reply that arrived but does not hold a valid verdict.

    ``partial`` holds what did parse (a grouped reply missing some principles).
    """

    def __init__(self, message: str, partial: BaseModel | None = None) -> None:
        super().__init__(message)
        self.partial = partial


def reply_from_json(text: str, schema: type[_R], expect_ids: Sequence[str] = ()) -> _R:
    """The validated reply in the JSON ``text``, or :class:`MalformedReply`."""
    if not text.strip():
        raise MalformedReply("no text in the reply")
    try:
        reply = schema.model_validate_json(text)
    except ValidationError as exc:
        raise _mismatch(exc) from None
    return checked_reply(reply, expect_ids)


def reply_from_object(data: Any, schema: type[_R], expect_ids: Sequence[str] = ()) -> _R:
    """The validated reply in ``data`` (a tool call's arguments), or :class:`MalformedReply`."""
    try:
        reply = schema.model_validate(data)
    except ValidationError as exc:
        raise _mismatch(exc) from None
    return checked_reply(reply, expect_ids)


def checked_reply(reply: _R, expect_ids: Sequence[str] = ()) -> _R:
    """``reply`` when its numbers are in 0..1 and it answers every id in ``expect_ids``."""
    verdicts: list[Any] = getattr(reply, "verdicts", [reply])
    for verdict in verdicts:
        for value in (verdict.score, verdict.confidence):
            if value is not None and not 0.0 <= value <= 1.0:
                raise MalformedReply(f"value {value} outside 0..1")
    if expect_ids:
        got = {v.principle_id for v in getattr(reply, "verdicts", [])}
        missing = [i for i in expect_ids if i not in got]
        if missing:
            raise MalformedReply(f"no verdict for {', '.join(missing)}", partial=reply)
    return reply


def _mismatch(exc: ValidationError) -> MalformedReply:
    return MalformedReply(f"reply does not match the schema ({exc.error_count()} errors)")
