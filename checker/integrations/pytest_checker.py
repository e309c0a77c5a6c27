"""The ``constitution_checker`` fixture's object: grade through the store, assert, explain.

Everything is made on first use: the constitution, the judge (from the registry) and
the store. Checks run on one event loop kept for the session, so a model judge's
HTTP client is reused across tests and closed once at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from checker.api import reply_transcript
from checker.errors import CheckerError
from checker.integrations.findings import abstention, describe, pair_verdicts
from checker.judges import Judge, close_judge, make_judge
from checker.results import RunResult
from checker.runner import arun_check
from checker.store import Store, open_store
from checker.transcript import Transcript
from checker.verdict import Outcome
from constitution.errors import ConstitutionError
from constitution.load import load_constitution
from constitution.model import Constitution

IN_ASYNC = (
    "constitution_checker is synchronous and an event loop is running (an async test):"
    " await checker.acheck(...) there instead"
)
UNSET = (
    "no constitution configured: set constitution_file in [tool.pytest.ini_options]"
    " (or pytest.ini), or CONSTITUTION_FILE"
)


@dataclass
class Tally:
    """What the session's checks did, for the terminal summary line."""

    checks: int = 0
    judgments: int = 0
    calls: int = 0
    cache_hits: int = 0
    violations: int = 0
    abstained: int = 0
    errors: int = 0

    def add(self, result: RunResult) -> None:
        t = result.totals
        self.checks += 1
        self.judgments += t.judgments
        self.calls += t.calls
        self.cache_hits += t.cache_hits
        self.violations += t.violations
        self.abstained += t.abstained
        self.errors += t.errors

    def summary(self) -> str:
        return (
            f"{self.checks} checks, {self.judgments} judgments, {self.calls} judge calls,"
            f" {self.cache_hits} cached, {self.violations} violations,"
            f" {self.abstained} abstained, {self.errors} errors"
        )


class ConstitutionChecker:
    """Grades a transcript or a single reply against one principle or all of them."""

    def __init__(self, file: Path | None, judge: str, model: str | None, db: Path) -> None:
        self.file = file
        self.judge_name = judge
        self.model = model
        self.db = db
        self.tally = Tally()
        self._loop: asyncio.AbstractEventLoop | None = None

    @cached_property
    def constitution(self) -> Constitution:
        if self.file is None:
            pytest.fail(f"constitution: {UNSET}", pytrace=False)
        try:
            return load_constitution(self.file)
        except ConstitutionError as exc:
            pytest.fail(f"constitution: {exc}", pytrace=False)

    @cached_property
    def judge(self) -> Judge:
        try:
            return make_judge(self.judge_name, model=self.model)
        except CheckerError as exc:
            pytest.fail(f"constitution: {exc}", pytrace=False)

    @cached_property
    def store(self) -> Store:
        try:
            return open_store(self.db)
        except CheckerError as exc:
            pytest.fail(f"constitution: {exc}", pytrace=False)

    def grade(
        self,
        subject: Transcript | str,
        principles: str | Sequence[str] | None = None,
        *,
        prompt: str | None = None,
    ) -> RunResult:
        """Grade ``subject`` (a transcript, or an assistant reply to ``prompt``) against
        ``principles`` (one id, several, or None for all); nothing is asserted."""
        transcript = (
            subject if isinstance(subject, Transcript) else reply_transcript(subject, prompt)
        )
        chosen = [principles] if isinstance(principles, str) else principles
        check = arun_check(
            self.constitution, [transcript], self.judge, self.store, principles=chosen
        )
        result = self._run(check)
        self.tally.add(result)
        return result

    def assert_complies(
        self,
        subject: Transcript | str,
        principles: str | Sequence[str] | None = None,
        *,
        prompt: str | None = None,
    ) -> RunResult:
        """:meth:`grade`, then fail on a violation or a judge error (with the principle id,
        rationale and evidence), skip on an abstention, else return the result."""
        result = self.grade(subject, principles, prompt=prompt)
        found = pair_verdicts(result)
        failed = [v for p, v in found if p.outcome in (Outcome.VIOLATES, Outcome.ERROR)]
        if failed:
            lines = "\n".join(describe(v) for v in failed)
            pytest.fail(f"constitution: the {self.judge.name} judge found\n{lines}", pytrace=False)
        abstained = [(v.principle_id, why) for _, v in found if (why := abstention(v))]
        if abstained:
            reasons = "; ".join(f"{pid}: {why}" for pid, why in abstained)
            pytest.skip(f"constitution: the {self.judge.name} judge abstained ({reasons})")
        return result

    def _run(self, coroutine: Coroutine[Any, Any, RunResult]) -> RunResult:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # no loop running here: ours can
        else:
            coroutine.close()
            pytest.fail(f"constitution: {IN_ASYNC}", pytrace=False)
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        try:
            return self._loop.run_until_complete(coroutine)
        except (CheckerError, ConstitutionError) as exc:  # an unknown principle id, ...
            pytest.fail(f"constitution: {exc}", pytrace=False)

    def close(self) -> None:
        """Close the judge (if made), the store (if opened) and the loop."""
        if "judge" in self.__dict__:
            loop = self._loop or asyncio.new_event_loop()
            loop.run_until_complete(close_judge(self.judge))
            self._loop = loop
        if "store" in self.__dict__:
            self.store.close()
        if self._loop is not None:
            self._loop.close()
            self._loop = None
