"""Render text and behaviour diffs as Markdown (for a pull-request comment) and JSON.

The JSON document (``DIFF_DOCUMENT_VERSION``, see ``docs/DIFF.md``) is::

    {"schema_version": 1, "text": <ConstitutionDiff> | null, "behaviour": <BehaviourDiff> | null}

The terminal renderer lives in the CLI (it needs rich); this module is plain text.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from checker.behaviour_diff import (
    BehaviourDiff,
    Counts,
    Flip,
    PrincipleBehaviour,
    PrincipleStatus,
)
from checker.output._safe import visible
from constitution.diff import ChangeKind, ConstitutionDiff
from constitution.worddiff import SpanOp, WordSpan, condense

DIFF_DOCUMENT_VERSION = 1

_KIND_ORDER = [k.value for k in ChangeKind]
_MAX_FLIPS_SHOWN = 20
_MAX_RATIONALE = 300


def diff_document(
    text: ConstitutionDiff | None, behaviour: BehaviourDiff | None = None
) -> dict[str, Any]:
    """The ``--format json`` document."""
    return {
        "schema_version": DIFF_DOCUMENT_VERSION,
        "text": text.model_dump(mode="json") if text is not None else None,
        "behaviour": behaviour.model_dump(mode="json") if behaviour is not None else None,
    }


def render_diff_json(text: ConstitutionDiff | None, behaviour: BehaviourDiff | None = None) -> str:
    return json.dumps(diff_document(text, behaviour), indent=2, ensure_ascii=False)


COMMENT_LIMIT = 65_000
"""GitHub rejects comments longer than 65,536 characters."""


def render_diff_markdown(
    text: ConstitutionDiff | None,
    behaviour: BehaviourDiff | None = None,
    *,
    max_chars: int | None = COMMENT_LIMIT,
) -> str:
    """Markdown ready to paste into a pull-request comment (GitHub flavoured).

    Longer than ``max_chars``, it is cut at a line end with a note saying so.
    """
    parts: list[str] = []
    if text is not None:
        parts.append(_text_markdown(text))
    if behaviour is not None:
        parts.append(_behaviour_markdown(behaviour))
    out = "\n\n".join(parts).rstrip() + "\n"
    if max_chars is None or len(out) <= max_chars:
        return out
    note = "\n_Truncated to fit a pull-request comment: `--format json` has every change._\n"
    cut = out.rfind("\n", 0, max_chars - len(note))
    return out[: max(cut, 0)] + "\n" + note


# -- text diff ----------------------------------------------------------------------------


def count_line(diff: ConstitutionDiff) -> str:
    """``18 changes: 1 added, 1 removed, ...`` in a fixed kind order."""
    counts = Counter(c.kind.value for c in diff.changes)
    if not counts:
        return "no changes"
    kinds = sorted(counts, key=_KIND_ORDER.index)
    listed = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in kinds)
    total = sum(counts.values())
    return f"{total} change{'s' if total != 1 else ''}: {listed}"


def unbumped(diff: ConstitutionDiff) -> list[str]:
    """Principles whose content changed while their version did not."""
    return [c.principle_id or "" for c in diff.changes if c.kind is ChangeKind.VERSION_NOT_BUMPED]


def _cell(value: object) -> str:
    """One line of Markdown-safe text: no HTML, no table breaks, no control or bidi
    characters (shown as escapes), arrows prettied."""
    text = visible(" ".join(str(value).split()), keep_newlines=False).replace(" -> ", " → ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def markdown_words(spans: tuple[WordSpan, ...]) -> str:
    """A word diff with ``<del>`` and ``<ins>`` (GitHub renders both)."""
    out = []
    for span in spans:
        text = visible(span.text).replace("&", "&amp;").replace("<", "&lt;")
        if span.op is SpanOp.DELETE:
            out.append(f"<del>{text}</del>")
        elif span.op is SpanOp.INSERT:
            out.append(f"<ins>{text}</ins>")
        else:
            out.append(text)
    return "".join(out)


_ICONS = {
    ChangeKind.ADDED: ":heavy_plus_sign:",
    ChangeKind.REMOVED: ":heavy_minus_sign:",
    ChangeKind.RENAMED: ":twisted_rightwards_arrows:",
}


def _text_markdown(diff: ConstitutionDiff) -> str:
    old, new = diff.old, diff.new
    lines = [
        f"## Constitution diff: `{old.id}` {old.version} → `{new.id}` {new.version}",
        "",
        f"{old.principles} → {new.principles} principles · {count_line(diff)}",
    ]
    missing = unbumped(diff)
    if missing:
        names = ", ".join(f"`{m}`" for m in missing)
        lines += ["", f"> :warning: Content changed but version not bumped: {names}"]
    if diff.document_changes:
        lines += ["", "### Document", ""]
        lines += [f"- {_cell(c.summary)}" for c in diff.document_changes]
    groups = diff.by_principle()
    if groups:
        lines += ["", "### Principles"]
    for pid, changes in groups.items():
        icon = next((_ICONS[c.kind] for c in changes if c.kind in _ICONS), ":pencil2:")
        lines += ["", f"#### {icon} `{pid}`", ""]
        for c in changes:
            if c.kind is ChangeKind.REWORDED:
                lines.append(f"- **{c.field} reworded:** {markdown_words(condense(c.words))}")
            elif c.kind is ChangeKind.VERSION_NOT_BUMPED:
                lines.append(f"- :warning: **{_cell(c.summary)}**")
            else:
                lines.append(f"- {_cell(c.summary)}")
    if diff.unchanged:
        lines += ["", f"Unchanged: {len(diff.unchanged)} principle(s)."]
    return "\n".join(lines)


# -- behaviour diff -----------------------------------------------------------------------


def fmt_rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def fmt_p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def rate_change(row: PrincipleBehaviour, arrow: str = "→") -> str:
    """``0% → 50%``; a side on which the judge decided nothing (it abstained or
    failed on every pair) reads ``not graded``, both ``not graded (12 abstained)``:
    never a bare ``- → -``."""
    before = _side_rate(row.before_violation_rate, row.before)
    after = _side_rate(row.after_violation_rate, row.after)
    if before == after == "not graded":
        return f"not graded ({row.abstained_pairs} abstained)"
    return f"{before} {arrow} {after}"


def _side_rate(rate: float | None, counts: Counts | None) -> str:
    if rate is None and counts is not None and counts.abstained:
        decided = counts.complies + counts.violates + counts.not_applicable
        return "not graded" if not decided else fmt_rate(rate)
    return fmt_rate(rate)


def abstention_note(row: PrincipleBehaviour) -> str | None:
    """Why some pairs were left out of the flips, or None when none were."""
    if not row.abstained_pairs:
        return None
    n = row.abstained_pairs
    return (
        f"{row.principle_id}: {n} pair{'s' if n != 1 else ''} left out of the flips and the"
        f" tests: the judge abstained on one side or both ({'; '.join(row.abstentions)})"
    )


def verdict_word(row: PrincipleBehaviour) -> str:
    """``yes`` / ``no`` / ``-``: is the change larger than the judge's noise?"""
    if row.beyond_noise is None:
        return "-"
    return "yes" if row.beyond_noise else "no"


def _behaviour_markdown(diff: BehaviourDiff) -> str:
    b, a = diff.before, diff.after
    if diff.mode.value == "revisions":
        title = f"## Behaviour diff: {b.transcripts} transcripts, `{b.constitution_id}` "
        title += f"{b.constitution_version} → {a.constitution_version}"
    else:
        title = f"## Behaviour diff: {b.label} ({b.transcripts}) → {a.label} ({a.transcripts})"
        title += f" under `{b.constitution_id}` {b.constitution_version}"
    lines = [
        title,
        "",
        f"Judge `{diff.judge}/{diff.model}` (prompt {diff.prompt_version}). Calls: "
        f"{b.label} {b.calls}, {a.label} {a.calls} ({a.cache_hits} cache hits), "
        f"noise {diff.noise_calls} (K={diff.noise_samples}). Flips: {diff.flips}."
        + (
            f" Left out because the judge abstained: {diff.abstained_pairs} pairs."
            if diff.abstained_pairs
            else ""
        ),
        "",
        "| Principle | Status | Violation rate | Changed | Paired | Abstained | → violates "
        "| → complies | McNemar p | Noise rate | Beyond noise |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in diff.principles:
        name = f"`{row.principle_id}`" + (f" (was `{row.old_id}`)" if row.old_id else "")
        noise = fmt_rate(row.noise.rate) if row.noise is not None else "-"
        lines.append(
            f"| {name} | {row.status.value} | {rate_change(row)} | {row.outcome_changes} "
            f"| {row.paired} | {row.abstained_pairs} | {row.to_violates} "
            f"| {row.to_complies} | {fmt_p(row.p_value)} | {noise} | {verdict_word(row)} |"
        )
    notes = [note for row in diff.principles if (note := abstention_note(row))]
    if notes:
        lines += ["", *(f"- {_cell(note)}" for note in notes)]
    for row in diff.principles:
        if row.flips:
            lines += ["", *_flips_markdown(row)]
    untested = [r.principle_id for r in diff.principles if r.status is PrincipleStatus.ADDED]
    if untested:
        lines += ["", "New principles (no before): " + ", ".join(f"`{p}`" for p in untested)]
    return "\n".join(lines)


def _flips_markdown(row: PrincipleBehaviour) -> list[str]:
    n = len(row.flips)
    lines = [
        f"<details><summary><code>{row.principle_id}</code>: {n} flip{'s' if n != 1 else ''}"
        "</summary>",
        "",
        "| Transcript | Reply | Before | After | Rationale before | Rationale after |",
        "|---|---|---|---|---|---|",
    ]
    for flip in row.flips[:_MAX_FLIPS_SHOWN]:
        transcript = flip.before_transcript
        if flip.after_transcript != flip.before_transcript:
            transcript += f" → {flip.after_transcript}"
        lines.append(
            f"| {_cell(transcript)} | {_cell(flip_reply(flip))} "
            f"| {flip.before.value} | {flip.after.value} "
            f"| {_cell(_clip(flip.before_rationale))} | {_cell(_clip(flip.after_rationale))} |"
        )
    if n > _MAX_FLIPS_SHOWN:
        lines.append(f"\n… and {n - _MAX_FLIPS_SHOWN} more (see `--format json`).")
    lines += ["", "</details>"]
    return lines


def flip_reply(flip: Flip) -> str:
    """The reply that was judged (both, ``A → B``, when two transcripts are compared)."""
    if flip.before_transcript == flip.after_transcript:
        return _clip(flip.after_excerpt, 120)
    return f"{_clip(flip.before_excerpt, 80)} → {_clip(flip.after_excerpt, 80)}"


def _clip(text: str, limit: int = _MAX_RATIONALE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "COMMENT_LIMIT",
    "DIFF_DOCUMENT_VERSION",
    "abstention_note",
    "count_line",
    "diff_document",
    "flip_reply",
    "fmt_p",
    "fmt_rate",
    "markdown_words",
    "rate_change",
    "render_diff_json",
    "render_diff_markdown",
    "unbumped",
    "verdict_word",
]
