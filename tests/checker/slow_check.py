"""Run a slow stub check in its own process (for the kill -9 test).

``python -m tests.checker.slow_check DB LOG TRANSCRIPTS DELAY``
"""

from __future__ import annotations

import sys
from pathlib import Path

from checker.runner import run_check
from checker.store import open_store
from checker.transcript import Transcript
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript

PRINCIPLES = ("p.one", "p.two", "p.three")


def transcripts(count: int) -> list[Transcript]:
    return [
        make_transcript(f"t{i}", "VIOLATE p.two" if i % 3 == 0 else "Fine.", f"question {i}")
        for i in range(count)
    ]


def main(argv: list[str]) -> None:
    db, log, count, delay = Path(argv[0]), Path(argv[1]), int(argv[2]), float(argv[3])
    judge = StubJudge(delay=delay, log=log)
    with open_store(db) as store:
        run_check(make_constitution(*PRINCIPLES), transcripts(count), judge, store, concurrency=4)


if __name__ == "__main__":
    main(sys.argv[1:])
