"""Verdicts the runner writes itself: provenance filled in, errors, out of scope."""

from __future__ import annotations

from typing import Any

from checker.judges import Judge, verdict_provenance
from checker.secrets import scrub_secrets
from checker.store import CacheKey
from checker.transcript import Transcript
from checker.verdict import Outcome, Verdict
from constitution.model import Principle


def with_provenance(
    verdict: Verdict,
    transcript: Transcript,
    principle: Principle,
    key: CacheKey,
    latency: float,
) -> Verdict:
    """Set the fields the runner knows for certain; keep the judge's own where it set them."""
    update: dict[str, Any] = {
        "transcript_id": transcript.id,
        "principle_version": principle.version,
        "principle_hash": key.principle_hash,
        "transcript_hash": key.transcript_hash,
        "sample_index": key.sample_index,
    }
    if not verdict.judge:
        update["judge"] = key.backend
    if not verdict.model:
        update["model"] = key.model
    if not verdict.prompt_version:
        update["prompt_version"] = key.prompt_version
    if not verdict.latency_s:
        update["latency_s"] = latency
    return verdict.model_copy(update=update)


def base_fields(
    transcript: Transcript, principle: Principle, key: CacheKey, judge: Judge
) -> dict[str, Any]:
    return verdict_provenance(
        judge,
        transcript,
        principle,
        key.sample_index,
        principle_hash=key.principle_hash,
        transcript_hash=key.transcript_hash,
    )


def error_verdict(
    transcript: Transcript, principle: Principle, key: CacheKey, judge: Judge, reason: str
) -> Verdict:
    return Verdict(
        outcome=Outcome.ERROR,
        error=scrub_secrets(reason),
        rationale="",
        **base_fields(transcript, principle, key, judge),
    )


def out_of_scope_verdict(
    transcript: Transcript, principle: Principle, key: CacheKey, judge: Judge, reason: str
) -> Verdict:
    return Verdict(
        outcome=Outcome.NOT_APPLICABLE,
        rationale=f"Not graded: {reason} (the principle's scope is {principle.scope.value}).",
        **base_fields(transcript, principle, key, judge),
    )
