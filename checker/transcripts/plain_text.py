"""Plain-text conversations: one transcript per file.

A turn starts on a line that names its speaker: ``Human:``/``User:``,
``Assistant:``, ``System:`` or ``Tool:`` (capitalised or upper case), also in
Markdown dress: ``**User:**``, ``## Assistant``. The text after the marker and on
the following lines, up to the next marker, is the turn's text (blank lines at
its edges trimmed). A leading Markdown ``# Title`` is kept as ``title`` metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from checker.transcript import Message, Role, TextPart, Transcript
from checker.transcripts._common import RecordError, build_transcript

_SPEAKERS = {
    "human": Role.USER,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
    "system": Role.SYSTEM,
    "tool": Role.TOOL,
}
_NAMES = "|".join(n for s in _SPEAKERS for n in (s.capitalize(), s.upper()))
_MARKER = re.compile(
    rf"^(?:#{{1,6}}[ \t]+)?(?:\*\*)?(?P<name>{_NAMES})(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]?(?P<rest>.*)$"
    rf"|^#{{1,6}}[ \t]+(?:\*\*)?(?P<heading>{_NAMES})(?:\*\*)?[ \t]*$"
)
_TITLE = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t]*$")


class LineError(Exception):
    """Plain text that is not a transcript, at a given line."""

    def __init__(self, line: int, error: RecordError) -> None:
        self.line = line
        self.error = error
        super().__init__(str(error))


def text_transcript(lines: Iterable[str], metadata: dict[str, Any]) -> Transcript:
    """The conversation written in ``lines`` (without line ends); raises LineError."""
    messages: list[Message] = []
    speaker: str | None = None
    body: list[str] = []
    title: str | None = None
    for number, line in enumerate(lines, start=1):
        match = _MARKER.match(line)
        if match:
            if speaker is not None:
                messages.append(_turn(speaker, body))
            speaker = (match["name"] or match["heading"]).lower()
            body = [match["rest"]] if match["rest"] else []
        elif speaker is not None:
            body.append(line)
        elif title is None and (heading := _TITLE.match(line)) and not messages:
            title = heading["title"]
        elif line.strip():
            raise LineError(
                number,
                RecordError(
                    'a line starting "Human:", "User:", "Assistant:" or "System:"', "", line.strip()
                ),
            )
    if speaker is not None:
        messages.append(_turn(speaker, body))
    if not messages:
        raise LineError(1, RecordError('turns starting "Human:"/"User:" and "Assistant:"'))
    meta = {**metadata, "format": "text"}
    if title is not None:
        meta["title"] = title
    return build_transcript(messages, meta, None)


def _turn(speaker: str, body: list[str]) -> Message:
    text = "\n".join(body).strip("\n")
    return Message(role=_SPEAKERS[speaker], parts=(TextPart(text=text),))
