"""Render a large HTML check report and (if Chromium is there) time opening it.

    .venv/bin/python bench/bench_html.py [TRANSCRIPTS] [PRINCIPLES]

Synthetic run: TRANSCRIPTS six-message conversations, one verdict per principle
each quoting eight words of a random message (30% of quotes upper-cased so they
match only after normalising). Prints render time, page size, highlighted spans,
and Chromium's wall time to load the page and run its filter script.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checker.evidence import verify_evidence
from checker.output.html import render_check_html
from checker.results import RunInfo, RunTotals, build_result
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Evidence, Outcome, Verdict
from constitution.model import Scope

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "users",
    "ask",
    "about",
    "many",
    "things",
]
CHROMIUM = Path("/usr/bin/chromium")


def _para(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def build(n_transcripts: int, n_principles: int) -> tuple[object, list[Transcript]]:
    rng = random.Random(1)
    principles = [f"p.rule{i}" for i in range(n_principles)]
    transcripts, verdicts = [], []
    for i in range(n_transcripts):
        messages = tuple(
            Message(
                role=Role.USER if j % 2 == 0 else Role.ASSISTANT,
                parts=(TextPart(text=_para(rng, 120)),),
            )
            for j in range(6)
        )
        transcript = Transcript(id=f"t{i}", messages=messages)
        transcripts.append(transcript)
        for pid in principles:
            m = rng.randrange(6)
            start = rng.randrange(100)
            quote = " ".join(messages[m].text.split()[start : start + 8])
            if rng.random() < 0.3:
                quote = quote.upper()
            verdict = Verdict(
                transcript_id=transcript.id,
                principle_id=pid,
                outcome=rng.choice(list(Outcome)[:3]),
                score=0.5,
                rationale=_para(rng, 40),
                evidence=(Evidence(message_index=m, quote=quote),),
                judge="synthetic",
                model="none",
                transcript_hash=transcript.content_hash(),
            )
            verdicts.append(verify_evidence(verdict, transcript, scope=Scope.CONVERSATION))
    info = RunInfo(
        id=1,
        started="-",
        status="complete",
        constitution_id="bench",
        constitution_version="1.0.0",
        judge="synthetic",
        model="none",
        prompt_version="-",
    )
    return build_result(info, verdicts, RunTotals(), principles), transcripts


def main() -> None:
    n_transcripts = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    n_principles = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    result, transcripts = build(n_transcripts, n_principles)
    started = time.perf_counter()
    html = render_check_html(result, transcripts)  # type: ignore[arg-type]
    render_s = time.perf_counter() - started
    print(
        f"{n_transcripts} transcripts x {n_principles} principles:"
        f" render {render_s:.2f} s, {len(html) / 1e6:.1f} MB,"
        f" {html.count('<mark ')} highlighted spans"
    )
    if not CHROMIUM.exists():
        print("chromium: not installed, load time not measured")
        return
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        started = time.perf_counter()
        dom = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                f"--user-data-dir={work}/profile",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout
        load_s = time.perf_counter() - started
    ready = 'data-filters="ready"' in dom
    print(f"chromium: load + filter script + DOM dump {load_s:.2f} s (script ran: {ready})")


if __name__ == "__main__":
    main()
