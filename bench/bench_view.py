"""Time to first byte of ``constitution view`` pages over a store with a 100,000-judgment run.

    .venv/bin/python bench/bench_view.py [TRANSCRIPTS] [PRINCIPLES]

Builds the store through the Store API (no grading: verdicts are made up and saved
directly), serves it on a free port, and prints the time to the first byte of the
run list and of the run's first page: cold (the run-wide summary still being
computed in the background, so the page shows its transcripts and the run's stored
totals) and warm (summary ready).
"""

from __future__ import annotations

import http.client
import sys
import tempfile
import threading
import time
from dataclasses import fields
from pathlib import Path

from checker.results import RunInfo, RunTotals, build_result
from checker.store import CacheKey, open_store
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Evidence, Outcome, QuoteMatch, Verdict
from checker.view import make_server


def _key(principle_id: str, transcript_hash: str) -> CacheKey:
    values = {
        "backend": "synthetic",
        "model": "none",
        "prompt_version": "p1",
        "principle_hash": f"hash-{principle_id}",
        "transcript_hash": transcript_hash,
        "sample_index": 0,
    }
    # Any further part of the key (a server, a prompt hash) is empty: none was used.
    return CacheKey(**{f.name: values.get(f.name, "") for f in fields(CacheKey)})


def build_store(path: Path, n_transcripts: int, n_principles: int) -> int:
    principles = [f"p.rule{i}" for i in range(n_principles)]
    verdicts: list[Verdict] = []
    with open_store(path) as store:
        store.db.execute("PRAGMA synchronous=OFF")  # a throwaway store: speed over durability
        run_id = store.start_run(
            constitution_id="bench",
            constitution_version="1.0.0",
            judge="synthetic",
            model="none",
            prompt_version="p1",
            options={"principles": principles},
        )
        for i in range(n_transcripts):
            transcript = Transcript(
                id=f"t{i}",
                messages=(
                    Message(role=Role.USER, parts=(TextPart(text=f"question {i} about locks"),)),
                    Message(role=Role.ASSISTANT, parts=(TextPart(text=f"answer {i}: a lazy dog"),)),
                ),
            )
            digest = transcript.content_hash()
            store.save_transcript(transcript, digest)
            for j, pid in enumerate(principles):
                violates = (i * 7 + j) % 13 == 0
                verdict = Verdict(
                    transcript_id=transcript.id,
                    principle_id=pid,
                    outcome=Outcome.VIOLATES if violates else Outcome.COMPLIES,
                    score=0.2 if violates else 0.9,
                    rationale="The reply gives a lazy dog where the question asked about locks.",
                    evidence=(Evidence(message_index=1, quote="lazy dog", match=QuoteMatch.EXACT),),
                    judge="synthetic",
                    model="none",
                    transcript_hash=digest,
                )
                store.save_verdict(run_id, _key(pid, digest), verdict)
                verdicts.append(verdict)
        info = RunInfo(
            id=run_id,
            started="-",
            status="complete",
            constitution_id="bench",
            constitution_version="1.0.0",
            judge="synthetic",
            model="none",
            prompt_version="p1",
        )
        totals = build_result(info, verdicts, RunTotals(), principles).totals
        store.finish_run(run_id, "complete", totals.model_dump(mode="json"))
    return run_id


def ttfb(port: int, path: str) -> tuple[float, int]:
    """Seconds to the first byte of the body, and the page's size."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    first = response.read(1)
    elapsed = time.perf_counter() - started
    size = len(first) + len(response.read())
    connection.close()
    assert response.status == 200 and first, f"{path}: {response.status}"
    return elapsed, size


def main() -> None:
    n_transcripts = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    n_principles = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "results.db"
        started = time.perf_counter()
        run_id = build_store(db, n_transcripts, n_principles)
        print(
            f"store: {n_transcripts * n_principles:,} judgments"
            f" ({n_transcripts:,} transcripts x {n_principles} principles)"
            f" built in {time.perf_counter() - started:.1f} s"
        )
        server = make_server(db, port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        try:
            seconds, size = ttfb(port, "/")
            print(f"run list: first byte {seconds:.3f} s ({size / 1e3:.0f} kB)")
            seconds, size = ttfb(port, f"/runs/{run_id}")
            print(f"run page 1, cold: first byte {seconds:.3f} s ({size / 1e3:.0f} kB)")
            started = time.perf_counter()
            seconds, size = ttfb(port, f"/runs/{run_id}?page=2&outcome=violates")
            print(
                f"run-wide summary ready after {time.perf_counter() - started:.1f} s more"
                " (a filter waits for it)"
            )
            seconds, size = ttfb(port, f"/runs/{run_id}")
            print(f"run page 1, warm: first byte {seconds:.3f} s ({size / 1e3:.0f} kB)")
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
