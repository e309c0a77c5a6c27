"""Cross-object checks on a constitution: duplicate ids, unknown tiers and sections."""

from __future__ import annotations

from collections.abc import Sequence

from constitution.errors import Diagnostic, Severity
from constitution.model import Constitution, Principle, Section, SourceLocation, Tier


def _error(loc: SourceLocation | None, message: str) -> Diagnostic:
    if loc is None:
        return Diagnostic("<memory>", 0, 0, Severity.ERROR, message)
    return Diagnostic(loc.file, loc.line, loc.column, Severity.ERROR, message)


def check_constitution(doc: Constitution) -> list[Diagnostic]:
    """Cross-object checks: duplicate ids, unknown tiers and sections."""
    return check_parts(doc.tiers, doc.sections, doc.principles)


def check_parts(
    tiers: Sequence[Tier] | None, sections: Sequence[Section], principles: Sequence[Principle]
) -> list[Diagnostic]:
    """The checks of :func:`check_constitution` on loose parts (a partly valid file).

    ``tiers`` None: the tiers are defined elsewhere (an include fragment), so principles'
    tiers are not checked.
    """
    diagnostics: list[Diagnostic] = []
    _check_duplicates(principles, "principle", diagnostics)
    _check_duplicates(sections, "section", diagnostics)
    _check_duplicates(tiers or (), "tier", diagnostics)
    tier_ids = {t.id for t in tiers or ()}
    section_ids = {s.id for s in sections}
    for p in principles:
        if tiers is not None and p.tier is not None:
            _check_tier(p, tiers, tier_ids, diagnostics)
        if p.section is not None and p.section not in section_ids:
            diagnostics.append(_error(p.source, f"principle '{p.id}': unknown section"))
    return diagnostics


def _check_tier(
    p: Principle, tiers: Sequence[Tier], tier_ids: set[str], out: list[Diagnostic]
) -> None:
    if not tier_ids:
        out.append(_error(p.source, f"principle '{p.id}': tier '{p.tier}' but no tiers defined"))
    elif p.tier not in tier_ids:
        known = ", ".join(t.id for t in tiers)
        message = f"principle '{p.id}': unknown tier '{p.tier}' (tiers: {known})"
        out.append(_error(p.source, message))


def _check_duplicates(
    items: Sequence[Principle | Section | Tier], what: str, out: list[Diagnostic]
) -> None:
    first: dict[str, SourceLocation | None] = {}
    for item in items:
        if item.id not in first:
            first[item.id] = item.source
            continue
        prior = first[item.id]
        if prior is None:
            where = ""
        elif item.source is not None and prior.file == item.source.file:
            where = f" (first defined at line {prior.line})"
        else:
            where = f" (first defined at {prior.file}:{prior.line})"
        out.append(_error(item.source, f"duplicate {what} id '{item.id}'{where}"))
