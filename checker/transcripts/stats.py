"""Counting what a set of transcripts holds: formats, roles, tool use, lengths."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median

from checker.transcript import ReasoningPart, TextPart, ToolCallPart, ToolResultPart, Transcript


@dataclass(frozen=True)
class Spread:
    """Minimum, median, mean and maximum of a length."""

    min: int
    median: float
    mean: float
    max: int
    total: int


@dataclass
class TranscriptStats:
    """Counts over many transcripts (one small integer per transcript is kept for medians)."""

    transcripts: int = 0
    by_format: Counter[str] = field(default_factory=Counter)
    messages_by_role: Counter[str] = field(default_factory=Counter)
    parts_by_type: Counter[str] = field(default_factory=Counter)
    with_tool_calls: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    tools_used: Counter[str] = field(default_factory=Counter)
    _messages: array[int] = field(default_factory=lambda: array("q"), repr=False)
    _chars: array[int] = field(default_factory=lambda: array("q"), repr=False)

    def add(self, transcript: Transcript) -> None:
        """Count one transcript."""
        self.transcripts += 1
        self.by_format[str(transcript.metadata.get("format", "unknown"))] += 1
        chars = 0
        calls = 0
        for message in transcript.messages:
            self.messages_by_role[message.role.value] += 1
            for part in message.parts:
                self.parts_by_type[part.type] += 1
                if isinstance(part, TextPart | ReasoningPart):
                    chars += len(part.text)
                elif isinstance(part, ToolCallPart):
                    calls += 1
                    self.tools_used[part.name] += 1
                elif isinstance(part, ToolResultPart):
                    chars += len(part.output) + len(part.error or "")
                    self.tool_errors += part.error is not None
        self.tool_calls += calls
        self.with_tool_calls += calls > 0
        self._messages.append(len(transcript.messages))
        self._chars.append(chars)

    @property
    def messages_per_transcript(self) -> Spread | None:
        return _spread(self._messages)

    @property
    def chars_per_transcript(self) -> Spread | None:
        """Characters of text, reasoning and tool output per transcript."""
        return _spread(self._chars)


def _spread(values: array[int]) -> Spread | None:
    if not values:
        return None
    total = sum(values)
    return Spread(min(values), median(values), total / len(values), max(values), total)


def transcript_stats(transcripts: Iterable[Transcript]) -> TranscriptStats:
    """Counts over ``transcripts``, read once, one at a time."""
    stats = TranscriptStats()
    for transcript in transcripts:
        stats.add(transcript)
    return stats
