"""The view model of the check report: totals, chart rows, transcripts with their verdicts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from checker.output.html._chart import ChartRow, chart_rows
from checker.output.html._conversation import MessageView, Quote, conversation
from checker.output.html._highlight import Mark
from checker.results import PairResult, RunResult
from checker.transcript import Transcript
from checker.verdict import Outcome, QuoteMatch, Verdict
from constitution.model import Constitution

Transcripts = Iterable[Transcript] | Mapping[str, Transcript] | None

PROBLEM_OUTCOMES = frozenset({Outcome.VIOLATES, Outcome.ERROR})
_CARD_ORDER: dict[str, int] = {
    Outcome.VIOLATES.value: 0,
    Outcome.ERROR.value: 1,
    Outcome.ABSTAINED.value: 2,
    Outcome.COMPLIES.value: 3,
    Outcome.NOT_APPLICABLE.value: 4,
}


@dataclass(slots=True)
class EvidenceView:
    quote: str
    message_index: int
    match: str
    anchor: str
    message_anchor: str
    located: bool = False
    """Highlighted in the rendered conversation."""


@dataclass(slots=True)
class SampleView:
    sample_index: int
    outcome: str
    score: float | None
    confidence: float | None
    rationale: str
    error: str | None
    evidence: list[EvidenceView]
    judge: str
    abstention: str | None = None


@dataclass(slots=True)
class PairView:
    anchor: str
    principle_id: str
    principle_title: str
    outcome: str
    score: float | None
    agreement: float | None
    unstable: bool
    unsupported: bool
    samples: list[SampleView]
    judge: str
    unverified: int = 0
    abstention: str | None = None

    @property
    def problem(self) -> bool:
        """Worth a reviewer's look: a violation, an error or a flag."""
        return (
            self.outcome in PROBLEM_OUTCOMES
            or self.unstable
            or self.unsupported
            or self.unverified > 0
            or any(s.error for s in self.samples)
        )


@dataclass(slots=True)
class TranscriptView:
    id: str
    anchor: str
    pairs: list[PairView]
    messages: list[MessageView] | None
    """None when the transcript was not available to the report."""
    hash_mismatch: bool = False
    href: str = ""
    """A link to this transcript elsewhere (the viewer's page across runs), if any."""
    metadata: str = ""
    violations: int = 0
    errors: int = 0
    abstained: int = 0


@dataclass(frozen=True, slots=True)
class WorstView:
    id: str
    anchor: str
    violated: tuple[str, ...]
    errors: int
    min_score: float | None
    href: str = ""
    """Where the link goes when the transcript is not on this page (else ``#anchor``)."""


@dataclass(slots=True)
class CheckView:
    result: RunResult
    title: str
    chart: list[ChartRow]
    transcripts: list[TranscriptView]
    principle_ids: list[str]
    principle_titles: dict[str, str]
    judges: list[str]
    outcomes: list[str] = field(default_factory=lambda: [o.value for o in Outcome])
    missing_transcripts: int = 0
    transcripts_given: bool = True
    worst: list[WorstView] = field(default_factory=list)
    """The run's worst transcripts (most violations, then lowest score), linked."""


def _index(transcripts: Transcripts) -> dict[str, Transcript] | None:
    if transcripts is None:
        return None
    if isinstance(transcripts, Mapping):
        return dict(transcripts)
    return {t.id: t for t in transcripts}


def _judge_label(verdict: Verdict) -> str:
    return f"{verdict.judge}/{verdict.model}" if verdict.model else verdict.judge


def _pair_view(
    pair: PairResult, verdicts: list[Verdict], prefix: str, number: int, titles: dict[str, str]
) -> tuple[PairView, list[Quote]]:
    anchor = f"{prefix}-v{number}"
    quotes: list[Quote] = []
    samples: list[SampleView] = []
    for verdict in verdicts:
        evidence: list[EvidenceView] = []
        for item in verdict.evidence:
            ev_anchor = f"{anchor}-s{verdict.sample_index}-e{len(evidence)}"
            evidence.append(
                EvidenceView(
                    quote=item.quote,
                    message_index=item.message_index,
                    match=item.match.value,
                    anchor=ev_anchor,
                    message_anchor=f"{prefix}-m{item.message_index}",
                )
            )
            mark = Mark(pair.principle_id, verdict.outcome.value, ev_anchor, anchor)
            quotes.append(Quote(item.message_index, item.quote, item.match, mark))
        samples.append(
            SampleView(
                sample_index=verdict.sample_index,
                outcome=verdict.outcome.value,
                score=verdict.score,
                confidence=verdict.confidence,
                rationale=verdict.rationale,
                error=verdict.error,
                evidence=evidence,
                judge=_judge_label(verdict),
                abstention=verdict.abstention,
            )
        )
    judges = list(dict.fromkeys(s.judge for s in samples))
    view = PairView(
        anchor=anchor,
        principle_id=pair.principle_id,
        principle_title=titles.get(pair.principle_id, ""),
        outcome=pair.outcome.value,
        score=pair.score,
        agreement=pair.agreement,
        unstable=pair.unstable,
        unsupported=pair.unsupported_violation,
        samples=samples,
        judge=judges[0] if judges else "",
        unverified=sum(e.match == QuoteMatch.UNVERIFIED for s in samples for e in s.evidence),
        abstention=pair.abstention,
    )
    return view, quotes


def _metadata(transcript: Transcript) -> str:
    if not transcript.metadata:
        return ""
    return json.dumps(transcript.metadata, ensure_ascii=False, indent=2, default=str)


def check_view(
    result: RunResult,
    transcripts: Transcripts = None,
    constitution: Constitution | None = None,
    *,
    link: Callable[[str], str] | None = None,
    across: Callable[[str], str] | None = None,
) -> CheckView:
    """Group the run's pairs by transcript and attach each transcript's conversation.

    For a page of a larger run (the viewer): ``link`` gives the address of a
    transcript that is not on the page (the worst list links there), ``across``
    the address of a transcript's page across runs.
    """
    by_id = _index(transcripts)
    titles = {p.id: p.title for p in constitution.principles} if constitution else {}
    verdicts: dict[tuple[str, str], list[Verdict]] = {}
    for verdict in result.verdicts:
        verdicts.setdefault((verdict.transcript_id, verdict.principle_id), []).append(verdict)
    pairs_by_transcript: dict[str, list[PairResult]] = {}
    for pair in result.pairs:
        pairs_by_transcript.setdefault(pair.transcript_id, []).append(pair)
    views: list[TranscriptView] = []
    missing = 0
    for number, (transcript_id, pairs) in enumerate(pairs_by_transcript.items()):
        prefix = f"t{number}"
        pair_views: list[PairView] = []
        quotes: list[Quote] = []
        for k, pair in enumerate(pairs):
            samples = sorted(
                verdicts.get((transcript_id, pair.principle_id), []), key=lambda v: v.sample_index
            )
            view, found = _pair_view(pair, samples, prefix, k, titles)
            pair_views.append(view)
            quotes.extend(found)
        # Cards read worst first; their anchors keep the run's order.
        pair_views.sort(key=lambda v: _CARD_ORDER[v.outcome])
        transcript = by_id.get(transcript_id) if by_id is not None else None
        tview = TranscriptView(
            id=transcript_id,
            anchor=prefix,
            href=across(transcript_id) if across else "",
            pairs=pair_views,
            messages=None,
            violations=sum(p.outcome == Outcome.VIOLATES for p in pair_views),
            errors=sum(p.outcome == Outcome.ERROR for p in pair_views),
            abstained=sum(p.outcome == Outcome.ABSTAINED for p in pair_views),
        )
        if transcript is None:
            missing += 1
        else:
            tview.messages, located = conversation(transcript, prefix, quotes)
            for pv in pair_views:
                for sample in pv.samples:
                    for ev in sample.evidence:
                        ev.located = ev.anchor in located
            digest = transcript.content_hash()
            tview.hash_mismatch = any(
                v.transcript_hash and v.transcript_hash != digest
                for pv in pairs
                for v in verdicts.get((transcript_id, pv.principle_id), [])
            )
            tview.metadata = _metadata(transcript)
        views.append(tview)
    run = result.run
    anchors = {t.id: t.anchor for t in views}
    worst = [
        WorstView(
            w.transcript_id,
            anchors.get(w.transcript_id, ""),
            w.violated,
            w.errors,
            w.min_score,
            href="" if w.transcript_id in anchors or link is None else link(w.transcript_id),
        )
        for w in result.worst_transcripts
        if w.transcript_id in anchors or link is not None
    ]
    return CheckView(
        result=result,
        title=f"Check run {run.id}: {run.constitution_id} {run.constitution_version}",
        chart=chart_rows(result.principles),
        transcripts=views,
        principle_ids=[p.principle_id for p in result.principles],
        principle_titles=titles,
        judges=sorted({_judge_label(v) for v in result.verdicts}),
        missing_transcripts=missing,
        transcripts_given=by_id is not None,
        worst=worst,
    )


__all__ = ["CheckView", "PairView", "TranscriptView", "check_view"]
