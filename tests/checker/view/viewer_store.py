"""A small results store for the viewer's tests, graded by the stub judge, and a server over it.

Run 1 and run 2 judge the same transcript ids; between them ``t0`` flips from
violates to complies and ``t1`` from complies to violates (on ``p.one``). The
hostile transcript plants markup in its prompt, its reply and its id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from checker.runner import run_check
from checker.store import open_store
from checker.view import ViewServer, make_server
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript

PLANTED = (
    "<script>document.body.setAttribute('data-pwned','script')</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
)
HOSTILE_ID = "h<script>x</script>"


def build_store(path: Path) -> Path:
    constitution = make_constitution("p.one", "p.two")
    first = [
        make_transcript("t0", "VIOLATE p.one"),
        make_transcript("t1", "fine"),
        make_transcript(HOSTILE_ID, f"VIOLATE p.two\n{PLANTED}", prompt=f"Hi {PLANTED}"),
    ]
    second = [
        make_transcript("t0", "fine now"),
        make_transcript("t1", "VIOLATE p.one"),
        first[2],
    ]
    with open_store(path) as store:
        run_check(constitution, first, StubJudge(), store)
        run_check(constitution, second, StubJudge(), store)
    return path


@contextmanager
def serving(db: Path) -> Iterator[ViewServer]:
    """The viewer on a free port of 127.0.0.1, stopped afterwards."""
    server = make_server(db, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
