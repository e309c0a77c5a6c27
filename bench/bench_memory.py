"""Peak memory of a local-judge check as the number of transcripts grows.

For each N (default 10^4, 10^5, 10^6) it writes N small transcripts to a JSONL
file (one principle: ``fixtures/local/constitution.yaml``'s first), runs
``constitution check --judge local --format json --out FILE`` in a subprocess on a
fresh store, and prints the child's peak resident memory (``ru_maxrss`` of
``wait4``), the time taken, and the ratio to the smallest N's peak (goal: within
1.5x, under 500 MB).

    .venv/bin/python bench/bench_memory.py
    .venv/bin/python bench/bench_memory.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTITUTION = ROOT / "fixtures" / "local" / "constitution.yaml"


def write_transcripts(path: Path, n: int) -> None:
    with path.open("w") as out:
        for i in range(n):
            record = {
                "id": f"t{i}",
                "messages": [
                    {"role": "user", "content": f"Question number {i} about the weather?"},
                    {"role": "assistant", "content": f"Answer {i}: it is sunny, take a hat."},
                ],
            }
            out.write(json.dumps(record) + "\n")


def first_principle() -> str:
    for line in CONSTITUTION.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("- id:"):
            return stripped.split(":", 1)[1].strip()
    raise SystemExit(f"{CONSTITUTION}: no principle found")


def measure(n: int, tmp: Path, principle: str) -> tuple[float, float, int]:
    """(peak MB, seconds, exit code) of one check of n transcripts."""
    chats = tmp / f"chats-{n}.jsonl"
    write_transcripts(chats, n)
    command = [
        sys.executable, "-m", "cli", "check", str(CONSTITUTION), str(chats),
        "--judge", "local", "--principle", principle, "--db", str(tmp / f"r-{n}.db"),
        "--format", "json", "--out", str(tmp / f"report-{n}.json"),
    ]  # fmt: skip
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # a child of our own, so its ru_maxrss is measured alone
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(sys.executable, command)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - started
    chats.unlink()
    return usage.ru_maxrss / 1024, elapsed, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    os.chdir(ROOT)
    principle = first_principle()
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            peak, elapsed, code = measure(n, Path(tmp), principle)
            base = base or peak
            print(
                f"{n:>9,} transcripts: peak {peak:7.1f} MB ({peak / base:.2f}x the first),"
                f" {elapsed:7.1f} s, exit {code}",
                flush=True,
            )


if __name__ == "__main__":
    main()
