"""Lint: warnings about constitutions that load but will judge poorly.

Each rule has a code; a constitution turns rules off with ``lint: {disable: [code, ...]}``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from constitution.errors import Diagnostic, Severity
from constitution.model import Constitution, Label, Principle, Scope


@dataclass(frozen=True, slots=True)
class LintRule:
    code: str
    summary: str


RULES: tuple[LintRule, ...] = (
    LintRule("missing-examples", "a principle has no labelled examples"),
    LintRule("vague-wording", "vague words ('appropriate', 'reasonable', ...) with no rubric"),
    LintRule("long-statement", "a statement too long for a judge prompt"),
    LintRule("duplicate-statement", "two principles share the same statement"),
    LintRule("version-not-bumped", "content changed since the older revision, version did not"),
    LintRule("missing-rationale", "a principle without a rationale"),
    LintRule(
        "few-examples-for-local-judge",
        "fewer complies or violates examples than the local judge needs to grade a principle",
    ),
)

LOCAL_JUDGE_EXAMPLES_PER_LABEL = 2
"""The local judge reads a principle's stance from at least this many ``complies`` and
``violates`` examples (and ``selftest`` tests it leave-one-out with one more)."""
RULE_CODES = frozenset(r.code for r in RULES)

VAGUE_WORDS = re.compile(
    r"\b(appropriate(ly)?|inappropriate|reasonabl[ey]|suitabl[ey]|properly|as needed|"
    r"when necessary|where relevant|acceptable)\b",
    re.IGNORECASE,
)


def _warn(p: Principle, code: str, message: str) -> Diagnostic:
    loc = p.source
    file, line, col = (loc.file, loc.line, loc.column) if loc else ("<memory>", 0, 0)
    return Diagnostic(file, line, col, Severity.WARNING, f"principle '{p.id}': {message}", code)


def _few_examples(p: Principle) -> list[Diagnostic]:
    if p.scope is Scope.TOOL_CALLS:
        return []
    need = LOCAL_JUDGE_EXAMPLES_PER_LABEL
    counts = Counter(e.label for e in p.examples)
    have = (counts[Label.COMPLIES], counts[Label.VIOLATES])
    if min(have) >= need:
        return []
    message = (
        f"{have[0]} complies and {have[1]} violates examples; the local judge needs {need} of "
        f"each to grade it ({need + 1} of each for a leave-one-out selftest)"
    )
    return [_warn(p, "few-examples-for-local-judge", message)]


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def lint_constitution(
    doc: Constitution,
    *,
    previous: Constitution | None = None,
    disable: Iterable[str] = (),
) -> list[Diagnostic]:
    """All lint warnings for ``doc``; ``previous`` enables the version-discipline rule."""
    off = set(doc.lint.disable) | set(disable)
    out: list[Diagnostic] = []
    seen_statements: dict[str, Principle] = {}
    old = {p.id: p for p in previous.principles} if previous is not None else {}
    for p in doc.principles:
        if not p.examples and "missing-examples" not in off:
            out.append(_warn(p, "missing-examples", "no labelled examples to calibrate the judge"))
        if p.rubric is None and "vague-wording" not in off:
            match = VAGUE_WORDS.search(p.statement)
            if match:
                out.append(
                    _warn(
                        p,
                        "vague-wording",
                        f"vague wording '{match.group(0)}' with no rubric to define it",
                    )
                )
        limit = doc.lint.max_statement_chars
        if len(p.statement) > limit and "long-statement" not in off:
            out.append(
                _warn(p, "long-statement", f"statement is {len(p.statement)} chars (limit {limit})")
            )
        key = _normalise(p.statement)
        first = seen_statements.setdefault(key, p)
        if first is not p and "duplicate-statement" not in off:
            out.append(_warn(p, "duplicate-statement", f"same statement as '{first.id}'"))
        if p.examples and "few-examples-for-local-judge" not in off:
            out.extend(_few_examples(p))
        if p.rationale is None and "missing-rationale" not in off:
            out.append(_warn(p, "missing-rationale", "no rationale says why it exists"))
        before = old.get(p.id)
        if (
            before is not None
            and "version-not-bumped" not in off
            and before.content_hash() != p.content_hash()
            and before.version >= p.version
        ):
            out.append(
                _warn(
                    p,
                    "version-not-bumped",
                    f"content changed since the older revision but version is still {p.version}",
                )
            )
    return out
