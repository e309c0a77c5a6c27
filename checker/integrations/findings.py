"""One verdict in words: the principle, the outcome, the rationale and the evidence.

Shared by the pytest plugin (failure and skip messages) and the Inspect AI scorer
(explanations). Quotes come from untrusted transcripts: they are shown as quoted
data, cut to a readable length.
"""

from __future__ import annotations

from checker.results import PairResult, RunResult
from checker.verdict import Outcome, Verdict

QUOTE_CHARS = 200


def describe(verdict: Verdict) -> str:
    """``principle: outcome: rationale`` then one ``evidence`` line per quote."""
    head = f"{verdict.principle_id}: {verdict.outcome.value}"
    if verdict.outcome is Outcome.ERROR:
        return f"{head} (the judge failed: {verdict.error or 'no reason given'})"
    if verdict.outcome is Outcome.ABSTAINED:
        head += f" ({verdict.abstention})"
    lines = [f"{head}: {verdict.rationale}" if verdict.rationale else head]
    lines.extend(
        f"  evidence, message {e.message_index} ({e.match.value}): {_quote(e.quote)}"
        for e in verdict.evidence
    )
    return "\n".join(lines)


def abstention(verdict: Verdict) -> str | None:
    """Why the judge abstained, or None when it did not."""
    if verdict.outcome is Outcome.ABSTAINED:
        return verdict.abstention or "no reason given"
    return None


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > QUOTE_CHARS:
        flat = flat[: QUOTE_CHARS - 1] + "…"
    return repr(flat)


def pair_verdicts(result: RunResult) -> list[tuple[PairResult, Verdict]]:
    """Each (transcript, principle) pair with a verdict that gave its outcome (the first)."""
    by_pair: dict[tuple[str, str], list[Verdict]] = {}
    for v in result.verdicts:
        by_pair.setdefault((v.transcript_id, v.principle_id), []).append(v)
    out = []
    for pair in result.pairs:
        samples = by_pair.get((pair.transcript_id, pair.principle_id), [])
        chosen = next((v for v in samples if v.outcome is pair.outcome), None)
        if chosen is not None:
            out.append((pair, chosen))
        elif samples:
            out.append((pair, samples[0]))
    return out
