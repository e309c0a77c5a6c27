"""The library's front door: check transcripts in one call, from paths or objects.

:func:`check` and :func:`acheck` take a constitution (a file or a loaded one),
transcripts (files, or :class:`~checker.transcript.Transcript` objects), a judge
(a registry name or a judge) and a store (a database path or an open store), open
what they were given by name, run :func:`checker.runner.arun_check` and close
what they opened. The CLI's ``check`` runs the same :func:`~checker.runner.arun_check`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from checker.judges import AUTO, Judge, close_judge, make_judge
from checker.results import RunResult
from checker.runner import arun_check
from checker.store import Store, open_store
from checker.transcript import Message, Role, TextPart, Transcript
from checker.transcripts import load_transcripts
from constitution.load import load_constitution
from constitution.model import Constitution

PathLike = str | Path
ConstitutionLike = Constitution | PathLike
TranscriptsLike = Transcript | Iterable[Transcript] | PathLike | Sequence[PathLike]
JudgeLike = Judge | str
StoreLike = Store | PathLike | None


def reply_transcript(
    reply: str, prompt: str | None = None, *, transcript_id: str | None = None
) -> Transcript:
    """A transcript of one exchange: ``prompt`` (when given) then the assistant's ``reply``.

    Its id defaults to ``reply-`` and the first 12 hex digits of its content hash, so the
    same exchange always has the same id.
    """
    messages = [Message(role=Role.ASSISTANT, parts=(TextPart(text=reply),))]
    if prompt is not None:
        messages.insert(0, Message(role=Role.USER, parts=(TextPart(text=prompt),)))
    draft = Transcript(id="reply", messages=tuple(messages))
    return draft.model_copy(update={"id": transcript_id or f"reply-{draft.content_hash()[:12]}"})


def as_constitution(constitution: ConstitutionLike) -> Constitution:
    """``constitution`` itself, or the file it names loaded."""
    if isinstance(constitution, Constitution):
        return constitution
    return load_constitution(constitution)


def as_transcripts(transcripts: TranscriptsLike) -> Iterable[Transcript]:
    """Transcripts as given, one in a list, or read from the files, directories or globs named."""
    if isinstance(transcripts, Transcript):
        return [transcripts]
    if isinstance(transcripts, str | Path):
        return load_transcripts(transcripts)
    if isinstance(transcripts, Sequence) and all(isinstance(t, str | Path) for t in transcripts):
        return load_transcripts(transcripts)
    return transcripts  # type: ignore[return-value]


def check(
    constitution: ConstitutionLike,
    transcripts: TranscriptsLike,
    *,
    judge: JudgeLike = AUTO,
    model: str | None = None,
    store: StoreLike = None,
    **options: Any,
) -> RunResult:
    """Grade transcripts against a constitution's principles; synchronous :func:`acheck`."""
    return asyncio.run(
        acheck(constitution, transcripts, judge=judge, model=model, store=store, **options)
    )


async def acheck(
    constitution: ConstitutionLike,
    transcripts: TranscriptsLike,
    *,
    judge: JudgeLike = AUTO,
    model: str | None = None,
    store: StoreLike = None,
    **options: Any,
) -> RunResult:
    """Grade transcripts against a constitution's principles, through the store.

    ``judge`` is a registry name (``auto``, ``local``, ``anthropic``, ... made with
    ``model`` and closed afterwards) or a judge you made and close yourself. ``store``
    is a database path (None: ``.constitution/results.db`` here) or an open
    :class:`~checker.store.Store`. ``options`` go to :func:`checker.runner.arun_check`
    (``principles``, ``samples``, ``concurrency``, ``mode``, ``progress``, ``resume``).
    A judgment already in the store is reused, not asked again.
    """
    rules = as_constitution(constitution)
    items = as_transcripts(transcripts)
    async with AsyncExitStack() as stack:
        grader = await stack.enter_async_context(_judge(judge, model))
        db = store if isinstance(store, Store) else stack.enter_context(open_store(store))
        return await arun_check(rules, items, grader, db, **options)
    raise AssertionError("unreachable")  # pragma: no cover (mypy: the stack may swallow)


@asynccontextmanager
async def _judge(judge: JudgeLike, model: str | None) -> AsyncIterator[Judge]:
    if not isinstance(judge, str):
        yield judge
        return
    made = make_judge(judge, model=model)
    try:
        yield made
    finally:
        await close_judge(made)


__all__ = [
    "ConstitutionLike",
    "JudgeLike",
    "StoreLike",
    "TranscriptsLike",
    "acheck",
    "as_constitution",
    "as_transcripts",
    "check",
    "reply_transcript",
]
