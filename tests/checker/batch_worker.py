"""A batch check in its own process, for kill -9 tests: ``python -m tests.checker.batch_worker
DB BASE_URL`` (the demo constitution, four transcripts, polling every 0.05 s)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from checker.judges.anthropic import AnthropicJudge
from checker.runner import arun_check
from checker.store import open_store
from checker.transcript import Transcript
from tests.checker.anthropic_helpers import CONSTITUTION, transcript


def transcripts(n: int = 4) -> list[Transcript]:
    """The transcripts the batch tests check (``t0`` violates every principle)."""
    return [transcript(f"t{i}", "FORBIDDEN" if i == 0 else f"Fine answer {i}.") for i in range(n)]


async def main(db: Path, base_url: str) -> None:
    async with AnthropicJudge(api_key="test-key", base_url=base_url) as judge:
        with open_store(db) as store:
            await arun_check(CONSTITUTION, transcripts(), judge, store, batch=True, poll_s=0.05)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
