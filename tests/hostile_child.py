"""Run the CLI on many files inside one process under memory and CPU limits.

``python -m tests.hostile_child COMMAND... -- FILE...`` runs ``constitution COMMAND... FILE``
for each file, in process, and prints one JSON line per file: its exit code, stderr,
seconds taken and whether anything escaped as a traceback. The parent sets the limits
(``resource.setrlimit``) before this starts; a signal or a crash shows in its exit code.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import traceback


def run_one(command: list[str], file: str) -> dict[str, object]:
    from cli.app import main

    sys.argv = ["constitution", *command, file]
    err = io.StringIO()
    out = io.StringIO()
    code: object = 0
    escaped = ""
    started = time.perf_counter()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        except BaseException:  # what the user would see as a traceback
            escaped = traceback.format_exc()
            code = "traceback"
    return {
        "file": file,
        "code": code,
        "err": err.getvalue(),
        "seconds": round(time.perf_counter() - started, 3),
        "traceback": escaped,
    }


def main() -> None:
    split = sys.argv.index("--")
    command, files = sys.argv[1:split], sys.argv[split + 1 :]
    for file in files:
        print(json.dumps(run_one(command, file)), flush=True)


if __name__ == "__main__":
    main()
