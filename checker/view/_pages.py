"""What each address of the viewer shows, read from the store (read-only) and rendered
with the report templates. Each function returns the page as a stream of text."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from checker.errors import CheckerError
from checker.output.html import (
    AcrossCell,
    AcrossRun,
    Paging,
    RunRow,
    TranscriptAcross,
    stored_transcripts,
    stream_run_page,
    stream_runs_diff_page,
    stream_runs_page,
    stream_transcript_page,
    transcript_conversation,
)
from checker.results import RunResult, RunTotals
from checker.runner import load_run
from checker.runs_diff import compare_runs
from checker.store import (
    RunRecord,
    Store,
    count_run_verdicts,
    run_transcript_ids,
    run_verdicts_for,
    transcript_runs,
)
from checker.transcript import Transcript
from checker.verdict import Verdict
from checker.view._summary import SummaryCache, SummaryKey

PAGE_SIZE = 50
"""Transcripts per run page."""
SUMMARY_WAIT_S = 0.25
"""How long a run page waits for the run-wide summary before showing its transcripts."""
ACROSS_RUNS = 30
"""Most runs shown on a transcript's page."""


class NotFound(CheckerError):
    """The address names nothing in the store (shown as 404)."""


@dataclass(frozen=True, slots=True)
class RunQuery:
    """A run page's address: filters over the whole run and a page number."""

    page: int = 1
    principle: str = ""
    outcome: str = ""
    problems: bool = False
    transcript: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> RunQuery:
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            page=page,
            principle=params.get("principle", ""),
            outcome=params.get("outcome", ""),
            problems=params.get("problems") == "1",
            transcript=params.get("t", ""),
        )

    def filters(self) -> list[tuple[str, str]]:
        pairs = [("principle", self.principle), ("outcome", self.outcome)]
        pairs.append(("problems", "1" if self.problems else ""))
        pairs.append(("t", self.transcript))
        return [(k, v) for k, v in pairs if v]

    def href(self, run_id: int, page: int) -> str:
        params = self.filters() + ([("page", str(page))] if page > 1 else [])
        return f"/runs/{run_id}" + (f"?{urlencode(params)}" if params else "")


def run_href(run_id: int) -> str:
    return f"/runs/{run_id}"


def transcript_href(transcript_id: str) -> str:
    return f"/transcript?id={quote(transcript_id, safe='')}"


def run_transcript_href(run_id: int, transcript_id: str) -> str:
    return f"/runs/{run_id}?t={quote(transcript_id, safe='')}"


# -- the run list ----------------------------------------------------------------------


def _int(totals: dict[str, object], name: str) -> int | None:
    value = totals.get(name)
    return value if isinstance(value, int) else None


def runs_page(store: Store) -> Iterator[str]:
    records = store.list_runs()
    previous: dict[int, RunRecord] = {}
    last_of: dict[str, RunRecord] = {}
    for record in reversed(records):  # oldest first: remember each constitution's last run
        if record.constitution_id in last_of:
            previous[record.id] = last_of[record.constitution_id]
        last_of[record.constitution_id] = record
    rows = []
    for r in records:
        before = previous.get(r.id)
        cost = r.totals.get("cost_usd")
        rows.append(
            RunRow(
                id=r.id,
                href=run_href(r.id),
                constitution=f"{r.constitution_id} {r.constitution_version}",
                judge=f"{r.judge}/{r.model}",
                status=r.status,
                started=r.started,
                judgments=_int(r.totals, "judgments") or count_run_verdicts(store, r.id),
                violations=_int(r.totals, "violations"),
                errors=_int(r.totals, "errors"),
                cost_usd=float(cost) if isinstance(cost, int | float) else None,
                diff_href=f"/diff?before={before.id}&after={r.id}" if before else "",
                diff_label=f"#{before.id} → #{r.id}" if before else "",
            )
        )
    return stream_runs_page(rows, str(store.path))


# -- one run ------------------------------------------------------------------------------


def run_page(store: Store, cache: SummaryCache, run_id: int, query: RunQuery) -> Iterator[str]:
    record = store.get_run(run_id)
    count = count_run_verdicts(store, record.id)
    key: SummaryKey = (record.id, record.status, count, record.finished or "")
    # Filters need the whole run's pairs; so does a run with no totals written yet.
    must_wait = bool(query.filters()) and not (query.transcript and len(query.filters()) == 1)
    wait = None if must_wait or not record.totals else SUMMARY_WAIT_S
    summary = cache.get(key, wait)
    if summary is not None:
        ids = summary.select(query.principle, query.outcome, query.problems)
    else:
        ids = run_transcript_ids(store, record.id)
    if query.transcript:
        ids = [t for t in ids if t == query.transcript]
    pages = max(1, math.ceil(len(ids) / PAGE_SIZE))
    page = min(query.page, pages)
    shown = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    page_result = load_run(store, record.id, linked=run_verdicts_for(store, record.id, shown))
    if summary is not None:
        update = {
            "totals": summary.totals,
            "principles": summary.principles,
            "worst_transcripts": summary.worst,
        }
    else:
        totals = RunTotals.model_validate(record.totals)
        update = {"totals": totals, "principles": (), "worst_transcripts": ()}
    result = page_result.model_copy(update=update)
    paging = Paging(
        first=(page - 1) * PAGE_SIZE + 1 if shown else 0,
        last=(page - 1) * PAGE_SIZE + len(shown),
        total=len(ids),
        page=page,
        pages=pages,
        prev_href=query.href(record.id, page - 1) if page > 1 else "",
        next_href=query.href(record.id, page + 1) if page < pages else "",
        filters=tuple(query.filters()),
        clear_href=run_href(record.id),
        partial=summary is None,
        query=urlencode([(k, v) for k, v in query.filters() if k != "t"]),
    )
    return stream_run_page(
        result,
        stored_transcripts(store, page_result),
        paging,
        link=lambda tid: run_transcript_href(record.id, tid),
        across=transcript_href,
    )


# -- two runs ----------------------------------------------------------------------------


def _flipped(store: Store, result: RunResult, ids: set[str]) -> dict[str, Transcript]:
    hashes = {v.transcript_id: v.transcript_hash for v in result.verdicts if v.transcript_id in ids}
    found = {}
    for tid, digest in hashes.items():
        transcript = store.get_transcript(digest) if digest else None
        if transcript is not None:
            found[tid] = transcript
    return found


def diff_page(store: Store, before_id: str, after_id: str) -> Iterator[str]:
    if not before_id or not after_id:
        raise NotFound("compare two runs with /diff?before=A&after=B")
    before, after = load_run(store, before_id), load_run(store, after_id)
    behaviour = compare_runs(before, after)
    flips = [f for row in behaviour.principles for f in row.flips]
    before_ids = {f.before_transcript for f in flips}
    after_ids = {f.after_transcript for f in flips}
    return stream_runs_diff_page(
        behaviour, _flipped(store, before, before_ids), _flipped(store, after, after_ids)
    )


# -- one transcript, every run -------------------------------------------------------------


def transcript_page(store: Store, transcript_id: str) -> Iterator[str]:
    run_ids = transcript_runs(store, transcript_id)
    if not run_ids:
        raise NotFound(f"no run judged a transcript with id {transcript_id!r}")
    view = TranscriptAcross(transcript_id, [], [], {}, None)
    if len(run_ids) > ACROSS_RUNS:
        view.notes.append(f"Only the newest {ACROSS_RUNS} of {len(run_ids)} runs are shown.")
    newest_hash, newest_run = "", 0
    for run_id in run_ids[:ACROSS_RUNS]:
        record = store.get_run(run_id)
        firsts: dict[str, Verdict] = {}
        for item in run_verdicts_for(store, run_id, [transcript_id]):
            v = item.verdict
            if v.principle_id not in firsts or v.sample_index < firsts[v.principle_id].sample_index:
                firsts[v.principle_id] = v
        digests = {v.transcript_hash for v in firsts.values()} - {""}
        if not newest_hash and digests:
            newest_hash, newest_run = next(iter(digests)), run_id
        run = AcrossRun(
            id=run_id,
            href=run_transcript_href(run_id, transcript_id),
            label=f"{record.constitution_id} {record.constitution_version} · {record.judge}",
            hash_note=(
                f"judged another version of it than run #{newest_run}, whose conversation is below"
                if newest_hash not in digests
                else ""
            ),
        )
        view.runs.append(run)
        for pid, v in firsts.items():
            if pid not in view.principles:
                view.principles.append(pid)
            view.cells[(pid, run_id)] = AcrossCell(v.outcome.value, v.score, v.rationale, run.href)
    transcript = store.get_transcript(newest_hash) if newest_hash else None
    if transcript is not None:
        view.messages, view.metadata = transcript_conversation(transcript)
    return stream_transcript_page(view)


__all__ = [
    "PAGE_SIZE",
    "NotFound",
    "RunQuery",
    "diff_page",
    "run_page",
    "runs_page",
    "transcript_page",
]
