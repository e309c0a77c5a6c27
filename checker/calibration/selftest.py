"""Grade each principle's own labelled examples: does the judge agree with its author?

Every example of a principle (:attr:`Principle.examples`) becomes a transcript with
the id ``<principle id>#example-<n>`` (1-based) and is graded against that
principle only, through the results store (a re-run with the same judge makes no
new call). A principle fails when the judge's outcome for any of its examples
differs from the example's label, or the judge could not grade one: either the
principle is unclear or the judge is, and the revision should not be trusted yet.
An example the judge abstained on is not graded: it is listed as skipped, with the
judge's reason, and neither passes nor fails.

A judge that learns from the examples themselves (the local judge: its attribute
``learns_from_examples``) is graded leave-one-out instead: each example against the
principle with that example removed, so it never grades an example it learned from.
That needs ``min_examples_per_label + 1`` examples of both ``complies`` and
``violates``; a principle with fewer is reported as skipped, with the reason, as are
examples the judge abstained on. The Claude judge is shown the examples in its prompt,
so for it a pass is a floor, not a measure of accuracy;
:mod:`checker.calibration.calibrate` measures accuracy on labels the judge has not seen.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from checker.errors import CheckerError
from checker.judges import Judge
from checker.results import PairResult, RunResult, aggregate_pairs
from checker.runner import (
    DEFAULT_CONCURRENCY,
    arun_check,
    out_of_scope_reason,
    select_principles,
)
from checker.store import Store
from checker.transcript import Message, Role, TextPart, Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Constitution, Example, Label, Principle, Scope


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExampleResult(_Model):
    transcript_id: str
    index: int
    """1-based position among the principle's examples."""
    expected: str
    judged: str
    """The judge's (majority) outcome; ``skipped`` when the example was not graded."""
    passed: bool
    skipped: str | None = None
    """Why the example was not graded: it holds nothing the principle judges (a
    ``tool_calls`` principle's example has no tool call: examples are text only), or
    the judge abstained (``judge abstained: REASON``)."""
    rationale: str = ""
    agreement: float | None = None
    note: str | None = None
    source: str = ""
    """``file:line:column`` of the example, when the constitution was read from a file."""


class PrincipleSelftest(_Model):
    principle_id: str
    title: str
    version: int
    examples: tuple[ExampleResult, ...]

    @property
    def graded(self) -> tuple[ExampleResult, ...]:
        return tuple(e for e in self.examples if e.skipped is None)

    @property
    def tested(self) -> bool:
        """At least one example was graded."""
        return bool(self.graded)

    @property
    def failures(self) -> tuple[ExampleResult, ...]:
        return tuple(e for e in self.graded if not e.passed)

    @property
    def passed(self) -> bool:
        return not self.failures


class SelftestReport(_Model):
    constitution_id: str
    constitution_version: str
    judge: str
    model: str
    prompt_version: str
    samples: int
    runs: tuple[int, ...]
    principles: tuple[PrincipleSelftest, ...]

    @property
    def examples(self) -> int:
        """Examples graded (skipped ones left out)."""
        return sum(len(p.graded) for p in self.principles)

    @property
    def skipped(self) -> tuple[ExampleResult, ...]:
        return tuple(e for p in self.principles for e in p.examples if e.skipped is not None)

    @property
    def failed(self) -> tuple[PrincipleSelftest, ...]:
        """Principles with at least one misjudged (or ungraded) example."""
        return tuple(p for p in self.principles if p.tested and not p.passed)

    @property
    def untested(self) -> tuple[PrincipleSelftest, ...]:
        """Principles with no example the judge could grade."""
        return tuple(p for p in self.principles if not p.tested)

    @property
    def passed(self) -> bool:
        return not self.failed


def example_transcript(principle: Principle, index: int, example: Example) -> Transcript:
    """The transcript of a principle's ``index``-th (1-based) example."""
    metadata: dict[str, Any] = {"principle": principle.id, "example": index}
    if example.source is not None:
        metadata["source"] = str(example.source)
    return Transcript(
        id=f"{principle.id}#example-{index}",
        messages=tuple(
            Message(role=Role(m.role.value), parts=(TextPart(text=m.content),))
            for m in example.messages
        ),
        metadata=metadata,
    )


def selftest(
    constitution: Constitution, judge: Judge, store: Store, **options: Any
) -> SelftestReport:
    """Synchronous :func:`aselftest`."""
    return asyncio.run(aselftest(constitution, judge, store, **options))


async def aselftest(
    constitution: Constitution,
    judge: Judge,
    store: Store,
    *,
    principles: Sequence[str] | None = None,
    samples: int = 1,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> SelftestReport:
    """Grade every example of the selected principles (default: the active ones).

    One run per principle with examples; runs go concurrently, with at most
    about ``concurrency`` judge calls in flight overall. An example holding nothing
    its principle judges (see :func:`checker.runner.out_of_scope_reason`) is not
    graded: it is listed as skipped, with the reason.
    """
    if samples < 1 or concurrency < 1:
        raise CheckerError("samples and concurrency must be at least 1")
    selected = select_principles(constitution, principles)
    if getattr(judge, "learns_from_examples", False):
        return await _leave_one_out(constitution, judge, selected)
    gradable = {p.id: _gradable(p) for p in selected}
    tested = [p for p in selected if gradable[p.id]]
    widest = max((len(gradable[p.id]) * samples for p in tested), default=1)
    per_run = min(concurrency, widest)
    gate = asyncio.Semaphore(max(1, concurrency // per_run))

    async def one(principle: Principle) -> RunResult:
        async with gate:
            return await arun_check(
                constitution,
                gradable[principle.id],
                judge,
                store,
                principles=[principle.id],
                samples=samples,
                concurrency=per_run,
            )

    finished = await asyncio.gather(*map(one, tested))
    results = {p.id: r for p, r in zip(tested, finished, strict=True)}
    return SelftestReport(
        constitution_id=constitution.id,
        constitution_version=constitution.version,
        judge=judge.name,
        model=judge.model,
        prompt_version=judge.prompt_version,
        samples=samples,
        runs=tuple(r.run.id for r in results.values()),
        principles=tuple(_principle_result(p, results.get(p.id)) for p in selected),
    )


def _gradable(principle: Principle) -> list[Transcript]:
    transcripts = [example_transcript(principle, i, e) for i, e in enumerate(principle.examples, 1)]
    return [t for t in transcripts if out_of_scope_reason(principle, t) is None]


def _principle_result(principle: Principle, result: RunResult | None) -> PrincipleSelftest:
    examples: list[ExampleResult] = []
    pairs = {pair.transcript_id: pair for pair in result.pairs} if result else {}
    verdicts: dict[str, list[Verdict]] = {}
    for verdict in result.verdicts if result else ():
        verdicts.setdefault(verdict.transcript_id, []).append(verdict)
    for index, example in enumerate(principle.examples, 1):
        transcript = example_transcript(principle, index, example)
        if transcript.id in pairs:
            found = _example_result(index, example, pairs[transcript.id], verdicts[transcript.id])
        else:
            found = _skipped(index, example, transcript, principle)
        examples.append(found)
    return PrincipleSelftest(
        principle_id=principle.id,
        title=principle.title,
        version=principle.version,
        examples=tuple(examples),
    )


def _skipped(
    index: int,
    example: Example,
    transcript: Transcript,
    principle: Principle,
    reason: str | None = None,
) -> ExampleResult:
    if reason is None:
        reason = out_of_scope_reason(principle, transcript) or "not graded"
        if principle.scope is Scope.TOOL_CALLS:
            reason += " (an example is text only: it cannot hold a tool call)"
    return ExampleResult(
        transcript_id=transcript.id,
        index=index,
        expected=example.label.value,
        judged="skipped",
        passed=False,
        skipped=reason,
        note=example.note,
        source=str(example.source) if example.source is not None else "",
    )


def _example_result(
    index: int, example: Example, pair: PairResult, samples: list[Verdict]
) -> ExampleResult:
    verdict = next((v for v in samples if v.outcome is pair.outcome), samples[0])
    rationale = verdict.rationale or (verdict.error or "")
    abstained = pair.outcome is Outcome.ABSTAINED
    return ExampleResult(
        transcript_id=pair.transcript_id,
        index=index,
        expected=example.label.value,
        judged=pair.outcome.value,
        skipped=f"judge abstained: {pair.abstention}" if abstained else None,
        passed=pair.outcome is not Outcome.ERROR and pair.outcome.value == example.label.value,
        rationale=rationale,
        agreement=pair.agreement,
        note=example.note,
        source=str(example.source) if example.source is not None else "",
    )


# -- leave-one-out, for judges that learn from the examples -------------------------


def loo_skip_reason(principle: Principle, judge: Judge) -> str | None:
    """Why a principle cannot be tested leave-one-out with ``judge`` (None: it can)."""
    if principle.scope is Scope.TOOL_CALLS:
        return f"the {judge.name} judge does not grade tool-call principles"
    need = int(getattr(judge, "min_examples_per_label", 2)) + 1
    counts = Counter(e.label for e in principle.examples)
    have = (counts[Label.COMPLIES], counts[Label.VIOLATES])
    if min(have) < need:
        return (
            f"too few examples for leave-one-out: {have[0]} complies, {have[1]} violates; "
            f"the {judge.name} judge needs {need} of each"
        )
    return None


async def _leave_one_out(
    constitution: Constitution, judge: Judge, selected: Sequence[Principle]
) -> SelftestReport:
    results = []
    for principle in selected:
        examples: list[ExampleResult] = []
        reason = loo_skip_reason(principle, judge)
        for index, example in enumerate(principle.examples, 1):
            transcript = example_transcript(principle, index, example)
            if reason is not None:
                examples.append(_skipped(index, example, transcript, principle, reason))
                continue
            rest = principle.examples[: index - 1] + principle.examples[index:]
            held_out = principle.model_copy(update={"examples": rest})
            verdict = await judge.grade(transcript, held_out, constitution)
            if verdict.outcome is Outcome.ABSTAINED:
                abstained = f"judge abstained: {verdict.abstention}"
                examples.append(_skipped(index, example, transcript, principle, abstained))
                continue
            pair = aggregate_pairs([verdict])[0]
            examples.append(_example_result(index, example, pair, [verdict]))
        results.append(
            PrincipleSelftest(
                principle_id=principle.id,
                title=principle.title,
                version=principle.version,
                examples=tuple(examples),
            )
        )
    return SelftestReport(
        constitution_id=constitution.id,
        constitution_version=constitution.version,
        judge=judge.name,
        model=judge.model,
        prompt_version=f"{judge.prompt_version} (leave-one-out)",
        samples=1,
        runs=(),
        principles=tuple(results),
    )
