"""The view model of the diff report: changed principles side by side, behaviour flips."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from checker.behaviour_diff import BehaviourDiff, PrincipleBehaviour
from checker.diff_output import abstention_note, fmt_p, fmt_rate, rate_change, verdict_word
from checker.output.html._conversation import MessageView, conversation
from checker.transcript import Transcript
from constitution.diff import Change, ChangeKind, ConstitutionDiff
from constitution.model import Example
from constitution.worddiff import SpanOp, WordSpan, word_diff

Transcripts = Iterable[Transcript] | Mapping[str, Transcript] | None

_PROSE_FIELDS = {"rationale"}
_IDENTITY_KINDS = frozenset({ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.RENAMED})


@dataclass(frozen=True, slots=True)
class SideBySide:
    """The old text (equal + deleted spans) beside the new (equal + inserted spans)."""

    old: tuple[WordSpan, ...]
    new: tuple[WordSpan, ...]
    old_missing: bool = False
    new_missing: bool = False


@dataclass(slots=True)
class ChangeView:
    kind: str
    summary: str
    field: str | None = None
    side: SideBySide | None = None
    example: Example | None = None


@dataclass(slots=True)
class PrincipleDiffView:
    principle_id: str
    anchor: str
    status: str
    """``added``, ``removed``, ``renamed`` or ``changed``."""
    old_id: str | None
    changes: list[ChangeView]
    headline: str = ""
    """The summary of an addition, removal or rename."""
    behaviour_anchor: str | None = None


@dataclass(slots=True)
class FlipView:
    before_transcript: str
    after_transcript: str
    before_anchor: str | None
    after_anchor: str | None
    before: str
    after: str
    before_score: float | None
    after_score: float | None
    before_rationale: str
    after_rationale: str


@dataclass(slots=True)
class BehaviourRowView:
    row: PrincipleBehaviour
    anchor: str
    text_anchor: str | None
    before_rate: str
    after_rate: str
    rate: str
    """``0% → 50%``, or why there is no rate (``not graded (12 abstained)``)."""
    abstention_note: str | None
    p_value: str
    noise: str
    beyond_noise: str
    flips: list[FlipView]


@dataclass(slots=True)
class TranscriptPane:
    id: str
    side: str
    anchor: str
    messages: list[MessageView]


@dataclass(slots=True)
class DiffView:
    title: str
    text: ConstitutionDiff | None
    document: list[ChangeView]
    principles: list[PrincipleDiffView]
    behaviour: BehaviourDiff | None
    rows: list[BehaviourRowView] = field(default_factory=list)
    transcripts: list[TranscriptPane] = field(default_factory=list)
    missing_transcripts: list[str] = field(default_factory=list)
    transcripts_given: bool = False


def _side(old: str | None, new: str | None, words: tuple[WordSpan, ...] = ()) -> SideBySide:
    spans = words or word_diff(old, new)
    return SideBySide(
        old=tuple(s for s in spans if s.op is not SpanOp.INSERT),
        new=tuple(s for s in spans if s.op is not SpanOp.DELETE),
        old_missing=not old,
        new_missing=not new,
    )


def change_view(change: Change) -> ChangeView:
    """One change; prose (statements, rubric, titles, rationale) gets a word diff."""
    view = ChangeView(kind=change.kind.value, summary=change.summary, field=change.field)
    prose = change.kind in (
        ChangeKind.REWORDED,
        ChangeKind.RETITLED,
        ChangeKind.DOCUMENT_TITLE,
        ChangeKind.DOCUMENT_DESCRIPTION,
        ChangeKind.SECTION_RETITLED,
    ) or (change.kind is ChangeKind.FIELD_CHANGED and change.field in _PROSE_FIELDS)
    if prose:
        old = change.old if isinstance(change.old, str) else None
        new = change.new if isinstance(change.new, str) else None
        view.side = _side(old, new, change.words)
    elif change.kind in (ChangeKind.EXAMPLE_ADDED, ChangeKind.EXAMPLE_REMOVED):
        view.example = change.example
    return view


def _status(changes: list[Change]) -> tuple[str, str | None]:
    kinds = {c.kind for c in changes}
    if ChangeKind.ADDED in kinds:
        return "added", None
    if ChangeKind.REMOVED in kinds:
        return "removed", None
    renamed = next((c for c in changes if c.kind is ChangeKind.RENAMED), None)
    if renamed is not None:
        return "renamed", renamed.old_id
    return "changed", None


def _index(transcripts: Transcripts) -> dict[str, Transcript] | None:
    if transcripts is None:
        return None
    if isinstance(transcripts, Mapping):
        return dict(transcripts)
    return {t.id: t for t in transcripts}


class _Panes:
    """Conversations of the flipped transcripts, each rendered once, by side."""

    def __init__(self, before: dict[str, Transcript] | None, after: dict[str, Transcript] | None):
        self.sides = {"before": before, "after": after if after is not None else before}
        self.shared = after is None
        self.panes: list[TranscriptPane] = []
        self.anchors: dict[tuple[str, str], str] = {}
        self.missing: list[str] = []

    def anchor(self, side: str, transcript_id: str) -> str | None:
        side = "before" if self.shared else side
        key = (side, transcript_id)
        if key in self.anchors:
            return self.anchors[key]
        pool = self.sides[side]
        if pool is None:
            return None
        transcript = pool.get(transcript_id)
        if transcript is None:
            if transcript_id not in self.missing:
                self.missing.append(transcript_id)
            return None
        anchor = f"tr{len(self.panes)}"
        messages, _ = conversation(transcript, anchor, ())
        label = "" if self.shared else side
        self.panes.append(TranscriptPane(transcript_id, label, anchor, messages))
        self.anchors[key] = anchor
        return anchor


def diff_view(
    text: ConstitutionDiff | None,
    behaviour: BehaviourDiff | None = None,
    transcripts: Transcripts = None,
    after_transcripts: Transcripts = None,
) -> DiffView:
    """Group text changes by principle and pair each behaviour row with its flips."""
    principles: list[PrincipleDiffView] = []
    document: list[ChangeView] = []
    if text is not None:
        document = [change_view(c) for c in text.document_changes]
        for n, (pid, changes) in enumerate(text.by_principle().items()):
            status, old_id = _status(changes)
            principles.append(
                PrincipleDiffView(
                    principle_id=pid,
                    anchor=f"p{n}",
                    status=status,
                    old_id=old_id,
                    changes=[change_view(c) for c in changes if c.kind not in _IDENTITY_KINDS],
                    headline="; ".join(c.summary for c in changes if c.kind in _IDENTITY_KINDS),
                )
            )
    panes = _Panes(_index(transcripts), _index(after_transcripts))
    rows: list[BehaviourRowView] = []
    text_anchor = {p.principle_id: p.anchor for p in principles}
    if behaviour is not None:
        for n, row in enumerate(behaviour.principles):
            anchor = f"b{n}"
            flips = [
                FlipView(
                    before_transcript=f.before_transcript,
                    after_transcript=f.after_transcript,
                    before_anchor=panes.anchor("before", f.before_transcript),
                    after_anchor=panes.anchor("after", f.after_transcript),
                    before=f.before.value,
                    after=f.after.value,
                    before_score=f.before_score,
                    after_score=f.after_score,
                    before_rationale=f.before_rationale,
                    after_rationale=f.after_rationale,
                )
                for f in row.flips
            ]
            rows.append(
                BehaviourRowView(
                    row=row,
                    anchor=anchor,
                    text_anchor=text_anchor.get(row.principle_id),
                    before_rate=fmt_rate(row.before_violation_rate),
                    after_rate=fmt_rate(row.after_violation_rate),
                    rate=rate_change(row),
                    abstention_note=abstention_note(row),
                    p_value=fmt_p(row.p_value),
                    noise=fmt_rate(row.noise.rate) if row.noise is not None else "-",
                    beyond_noise=verdict_word(row),
                    flips=flips,
                )
            )
        by_pid = {r.row.principle_id: r.anchor for r in rows}
        for p in principles:
            p.behaviour_anchor = by_pid.get(p.principle_id)
    return DiffView(
        title=_title(text, behaviour),
        text=text,
        document=document,
        principles=principles,
        behaviour=behaviour,
        rows=rows,
        transcripts=panes.panes,
        missing_transcripts=panes.missing,
        transcripts_given=transcripts is not None,
    )


def _title(text: ConstitutionDiff | None, behaviour: BehaviourDiff | None) -> str:
    if text is not None:
        return f"Diff: {text.old.id} {text.old.version} → {text.new.id} {text.new.version}"
    if behaviour is not None:
        b, a = behaviour.before, behaviour.after
        return f"Behaviour diff: {b.label} → {a.label} under {b.constitution_id}"
    return "Diff"


__all__ = ["ChangeView", "DiffView", "FlipView", "PrincipleDiffView", "change_view", "diff_view"]
