"""The local judge on huge replies: time and memory of one, and how fast Ctrl-C acts.

Prints:

1. ``constitution check --judge local`` of one transcript whose reply is 50 MB:
   seconds and peak memory of the process;
2. Ctrl-C (SIGINT) sent 2 s into a check of sixty transcripts with 5 MB replies:
   seconds from the signal to the process's exit (goal < 1 s) and its exit code.

    .venv/bin/python bench/bench_local_huge.py
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTITUTION = ROOT / "fixtures" / "local" / "constitution.yaml"
LINE = "This is a long reply about gardening, tomatoes and the weather. "


def write(path: Path, count: int, megabytes: int) -> None:
    reply = (LINE * (megabytes * 1_000_000 // len(LINE) + 1))[: megabytes * 1_000_000]
    with path.open("w") as out:
        for i in range(count):
            messages = [
                {"role": "user", "content": f"Tell me everything, part {i}."},
                {"role": "assistant", "content": f"Part {i}. {reply}"},
            ]
            out.write(json.dumps({"id": f"huge{i}", "messages": messages}) + "\n")


def start(chats: Path, db: Path) -> int:
    command = [
        sys.executable, "-m", "cli", "check", str(CONSTITUTION), str(chats),
        "--judge", "local", "--db", str(db), "--format", "json", "--out", os.devnull,
    ]  # fmt: skip
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(sys.executable, command)
    return pid


def main() -> None:
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.jsonl"
        write(one, 1, 50)
        started = time.monotonic()
        _, status, usage = os.wait4(start(one, Path(tmp) / "one.db"), 0)
        print(
            f"one 50 MB reply: {time.monotonic() - started:.1f} s, peak"
            f" {usage.ru_maxrss / 1024:.0f} MB, exit {os.waitstatus_to_exitcode(status)}"
        )
        many = Path(tmp) / "many.jsonl"
        write(many, 60, 5)
        pid = start(many, Path(tmp) / "many.db")
        time.sleep(2.0)
        sent = time.monotonic()
        running = os.waitpid(pid, os.WNOHANG) == (0, 0)
        os.kill(pid, signal.SIGINT)
        _, status, _ = os.wait4(pid, 0)
        print(
            f"Ctrl-C 2 s into sixty 5 MB replies (running: {running}): exited"
            f" {time.monotonic() - sent:.2f} s after the signal (goal < 1 s),"
            f" exit {os.waitstatus_to_exitcode(status)}"
        )


if __name__ == "__main__":
    main()
