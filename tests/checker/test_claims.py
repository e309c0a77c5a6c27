"""Claims on judgments: two checks of the same work on one store pay for it once."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

from checker.runner import arun_check
from checker.store import CacheKey, open_store
from checker.store._claims import claim_key
from checker.transcript import Transcript
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript

CONSTITUTION = make_constitution("p.one", "p.two", "p.three")
KEY = CacheKey("stub", "m", "", "v1", "ph", "pp", "th", 0)
OTHER = CacheKey("stub", "m", "", "v1", "ph", "pp", "th2", 0)


def _transcripts(n: int) -> list[Transcript]:
    replies = [f"All good {i}." if i % 3 else "VIOLATE p.one" for i in range(n)]
    return [make_transcript(f"t{i}", reply) for i, reply in enumerate(replies)]


def test_concurrent_checks_on_one_store_call_the_judge_once_per_judgment(tmp_path: Path) -> None:
    judge = StubJudge(delay=0.01)
    db = tmp_path / "r.db"

    async def one() -> int:
        with open_store(db) as store:
            result = await arun_check(CONSTITUTION, _transcripts(20), judge, store, concurrency=4)
            return result.totals.judgments

    async def four() -> list[int]:
        return list(await asyncio.gather(*(one() for _ in range(4))))

    assert asyncio.run(four()) == [60, 60, 60, 60]
    # t0, t3, t6, ... share their content: one judgment each of 3 principles
    assert len(judge.calls) == 14 * 3
    assert len(set(judge.calls)) == 14 * 3
    with open_store(db) as store:
        assert store.claims_held() == []


def test_a_claim_held_by_a_live_owner_is_not_taken(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        first = store.claim([KEY], "elsewhere:1:a", 60)
        assert first.mine == [KEY]
        second = store.claim([KEY, OTHER], "here:2:b", 60)
        assert (second.mine, second.held) == ([OTHER], [KEY])


def test_an_expired_claim_is_taken_over(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        store.claim([KEY], "elsewhere:1:a", 0.01)
        time.sleep(0.02)
        assert store.claim([KEY], "here:2:b", 60).mine == [KEY]


def test_a_claim_of_a_dead_local_process_is_taken_over_at_once(tmp_path: Path) -> None:
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    with open_store(tmp_path / "r.db") as store:
        store.claim([KEY], f"{socket.gethostname()}:{dead}:a", 600)
        assert store.claim([KEY], "here:2:b", 60).mine == [KEY]


def test_renewing_extends_and_releasing_ends_an_owners_claims(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        store.claim([KEY, OTHER], "me:1:a", 1)
        assert store.renew_claims("me:1:a", 600) == 2
        assert all(c["expires"] > time.time() + 500 for c in store.claims_held())
        store.release_claims("me:1:a", [KEY])
        assert [c["key"] for c in store.claims_held()] == [claim_key(OTHER)]
        store.release_claims("me:1:a")
        assert store.claims_held() == []
