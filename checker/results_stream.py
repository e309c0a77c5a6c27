"""A run's summary computed in one pass over its stored verdicts, in bounded memory.

:func:`summarise_linked` reads verdicts ordered by (transcript, principle, sample),
as :meth:`checker.store.Store.iter_run_verdicts` yields them, so each pair's samples
and each transcript's pairs arrive together: it keeps counters, the abstention
reasons and the ten worst transcripts, never the verdicts. The totals, per-principle
summaries and worst transcripts equal those of :func:`checker.results.build_result`;
the result it returns has no ``pairs`` or ``verdicts`` (``summary_only``):
renderers that list them read the store again (:mod:`checker.output._stream`).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby

from checker.results import (
    AbstentionGroup,
    PairResult,
    PrincipleSummary,
    RunInfo,
    RunResult,
    RunTotals,
    TranscriptSummary,
    aggregate_pair,
)
from checker.store import LinkedVerdict
from checker.verdict import Outcome, Usage, Verdict

WORST = 10


def iter_pairs(linked: Iterable[LinkedVerdict]) -> Iterator[tuple[PairResult, list[Verdict]]]:
    """Pairs (with their sample verdicts) from verdicts ordered by transcript and principle."""
    keyed = groupby(linked, key=lambda i: (i.verdict.transcript_id, i.verdict.principle_id))
    for (transcript_id, principle_id), items in keyed:
        samples = sorted((i.verdict for i in items), key=lambda v: v.sample_index)
        yield aggregate_pair(transcript_id, principle_id, samples), samples


class _Summary:
    def __init__(self) -> None:
        self.outcomes: Counter[Outcome] = Counter()
        self.principles: dict[str, Counter[str]] = defaultdict(Counter)
        self.reasons: Counter[str] = Counter()
        self.reason_principles: dict[str, set[str]] = defaultdict(set)
        self.unverified = 0
        self.spend = Usage()
        self.judgments = 0
        self.cache_hits = 0
        self.worst: list[tuple[_Reversed, TranscriptSummary]] = []

    def verdict(self, item: LinkedVerdict) -> None:
        v = item.verdict
        self.judgments += 1
        self.outcomes[v.outcome] += 1
        self.unverified += sum(e.match.value == "unverified" for e in v.evidence)
        if v.outcome is Outcome.ABSTAINED:
            reason = v.abstention or "no reason given"
            self.reasons[reason] += 1
            self.reason_principles[reason].add(v.principle_id)
        if item.cache_hit:
            self.cache_hits += 1
            return
        u, s = v.usage, self.spend
        self.spend = Usage(
            input_tokens=s.input_tokens + u.input_tokens,
            cache_read_tokens=s.cache_read_tokens + u.cache_read_tokens,
            cache_write_tokens=s.cache_write_tokens + u.cache_write_tokens,
            output_tokens=s.output_tokens + u.output_tokens,
            cost_usd=s.cost_usd + u.cost_usd,
        )

    def pair(self, pair: PairResult) -> None:
        counts = self.principles[pair.principle_id]
        counts["pairs"] += 1
        counts[pair.outcome.value] += 1
        counts["unstable"] += pair.unstable
        counts["unsupported"] += pair.unsupported_violation

    def transcript(self, transcript_id: str, pairs: list[PairResult]) -> None:
        violated = tuple(p.principle_id for p in pairs if p.outcome is Outcome.VIOLATES)
        errors = sum(p.outcome is Outcome.ERROR for p in pairs)
        if not violated and not errors:
            return
        scores = [p.score for p in pairs if p.score is not None]
        summary = TranscriptSummary(
            transcript_id=transcript_id,
            violations=len(violated),
            violated=violated,
            errors=errors,
            min_score=min(scores) if scores else None,
        )
        order = (
            -summary.violations,
            summary.min_score if summary.min_score is not None else 1.0,
            -summary.errors,
            summary.transcript_id,
        )
        # a max-heap on the sort key (negated through a wrapper) keeps the WORST smallest
        heapq.heappush(self.worst, (_Reversed(order), summary))
        if len(self.worst) > WORST:
            heapq.heappop(self.worst)


class _Reversed:
    __slots__ = ("key",)

    def __init__(self, key: tuple[object, ...]) -> None:
        self.key = key

    def __lt__(self, other: _Reversed) -> bool:
        return self.key > other.key


def summarise_linked(
    info: RunInfo,
    linked: Iterable[LinkedVerdict],
    totals: RunTotals,
    principle_order: Sequence[str] = (),
    *,
    with_spend: bool = False,
) -> RunResult:
    """The run's summary from its verdicts in pair order (see the module docs).

    ``with_spend`` also sets the tokens, cost and cache hits of ``totals`` from the
    verdicts (the spend of those the run made, not reused).
    """
    summary = _Summary()
    pairs_seen = 0

    def counted(items: Iterable[LinkedVerdict]) -> Iterator[LinkedVerdict]:
        for item in items:
            summary.verdict(item)
            yield item

    for transcript_id, group in groupby(
        iter_pairs(counted(linked)), key=lambda pair: pair[0].transcript_id
    ):
        pairs = [pair for pair, _ in group]
        for pair in pairs:
            summary.pair(pair)
        pairs_seen += len(pairs)
        summary.transcript(transcript_id, pairs)
    if with_spend:
        u = summary.spend
        totals = totals.model_copy(
            update={
                "input_tokens": u.input_tokens,
                "cache_read_tokens": u.cache_read_tokens,
                "cache_write_tokens": u.cache_write_tokens,
                "output_tokens": u.output_tokens,
                "cost_usd": round(u.cost_usd, 8),
                "cache_hits": summary.cache_hits,
            }
        )
    return _result(info, summary, pairs_seen, totals, principle_order)


def _result(
    info: RunInfo,
    s: _Summary,
    pairs: int,
    totals: RunTotals,
    principle_order: Sequence[str],
) -> RunResult:
    errors, abstained = s.outcomes[Outcome.ERROR], s.outcomes[Outcome.ABSTAINED]
    groups = tuple(
        AbstentionGroup(reason=r, judgments=s.reasons[r], principles=len(s.reason_principles[r]))
        for r in sorted(s.reasons, key=lambda r: (-s.reasons[r], r))
    )
    by_principle = s.principles
    totals = totals.model_copy(
        update={
            "pairs": pairs,
            "judgments": s.judgments,
            "errors": errors,
            "graded": max(s.judgments - totals.out_of_scope - abstained - errors, 0),
            "abstained": abstained,
            "abstentions": groups,
            "violations": sum(c[Outcome.VIOLATES.value] for c in by_principle.values()),
            "unsupported_violations": sum(c["unsupported"] for c in by_principle.values()),
            "unverified_quotes": s.unverified,
            "unstable_pairs": sum(c["unstable"] for c in by_principle.values()),
        }
    )
    order = [p for p in principle_order if p in by_principle]
    order += [p for p in by_principle if p not in order]
    worst = [summary for _, summary in sorted(s.worst, key=lambda item: item[0].key)]
    return RunResult(
        run=info,
        totals=totals,
        principles=tuple(_principle(pid, by_principle[pid]) for pid in order),
        worst_transcripts=tuple(worst),
        pairs=(),
        verdicts=(),
        outcomes={o.value: n for o, n in s.outcomes.items()},
        summary_only=True,
    )


def _principle(principle_id: str, c: Counter[str]) -> PrincipleSummary:
    applicable = c[Outcome.COMPLIES.value] + c[Outcome.VIOLATES.value]
    return PrincipleSummary(
        principle_id=principle_id,
        pairs=c["pairs"],
        complies=c[Outcome.COMPLIES.value],
        violates=c[Outcome.VIOLATES.value],
        not_applicable=c[Outcome.NOT_APPLICABLE.value],
        errors=c[Outcome.ERROR.value],
        abstained=c[Outcome.ABSTAINED.value],
        unstable=c["unstable"],
        unsupported_violations=c["unsupported"],
        violation_rate=c[Outcome.VIOLATES.value] / applicable if applicable else None,
    )
