"""Principle-aware diffs between two revisions of a constitution.

:func:`diff_constitutions` pairs principles by id, then pairs the remaining removed
and added ones by content similarity (renames), and sections by their members;
it lists every change as a :class:`Change` of one :class:`ChangeKind`. The JSON
form of :class:`ConstitutionDiff` is versioned by :data:`DIFF_SCHEMA_VERSION` and
documented in ``docs/DIFF.md``.

Whitespace is never significant: the same prose wrapped differently (or read from
Markdown rather than YAML) is not a rewording.
"""

from __future__ import annotations

from collections import Counter

from constitution._diff_match import RENAME_THRESHOLD, match_renames, match_section_renames
from constitution._diff_model import (
    DIFF_SCHEMA_VERSION,
    DOCUMENT_KINDS,
    Change,
    ChangeKind,
    ConstitutionDiff,
    DocumentRef,
    Value,
)
from constitution.model import Constitution, Example, Principle, Rubric, Section
from constitution.worddiff import normalise_space, word_diff


def diff_constitutions(old: Constitution, new: Constitution) -> ConstitutionDiff:
    """Compare two resolved constitutions principle by principle."""
    old_by_id = {p.id: p for p in old.principles}
    new_by_id = {p.id: p for p in new.principles}
    removed = [p for p in old.principles if p.id not in new_by_id]
    added = [p for p in new.principles if p.id not in old_by_id]
    renames = match_renames(removed, added)
    renamed_old = {o.id for o, _, _ in renames.values()}
    context = _Context(old, new, {o.id: n for n, (o, _, _) in renames.items()})
    changes = _document_changes(old, new, context.section_renames)
    unchanged: list[str] = []
    for p in new.principles:
        if p.id in old_by_id:
            found = _pair_changes(old_by_id[p.id], p, context)
        elif p.id in renames:
            before, _, score = renames[p.id]
            found = [
                Change(
                    kind=ChangeKind.RENAMED,
                    principle_id=p.id,
                    old_id=before.id,
                    old=before.id,
                    new=p.id,
                    similarity=round(score, 4),
                ),
                *_pair_changes(before, p, context),
            ]
        else:
            found = [Change(kind=ChangeKind.ADDED, principle_id=p.id, new=p.title)]
        if not found:
            unchanged.append(p.id)
        changes.extend(found)
    changes.extend(
        Change(kind=ChangeKind.REMOVED, principle_id=p.id, old=p.title)
        for p in removed
        if p.id not in renamed_old
    )
    return ConstitutionDiff(
        old=_ref(old), new=_ref(new), changes=tuple(changes), unchanged=tuple(unchanged)
    )


def _ref(doc: Constitution) -> DocumentRef:
    source = doc.source.file if doc.source is not None else None
    return DocumentRef(
        id=doc.id,
        title=doc.title,
        version=doc.version,
        source=source,
        principles=len(doc.principles),
    )


class _Context:
    """What pairing principles needs from the whole documents: tier ranks, section renames."""

    def __init__(self, old: Constitution, new: Constitution, renamed: dict[str, str]) -> None:
        self.old_tiers = {t.id: i for i, t in enumerate(old.tiers)}
        self.new_tiers = {t.id: i for i, t in enumerate(new.tiers)}
        common_old = [t.id for t in old.tiers if t.id in self.new_tiers]
        common_new = [t.id for t in new.tiers if t.id in self.old_tiers]
        self.common = {t: (common_old.index(t), common_new.index(t)) for t in common_old}
        """For tiers in both: (rank among the common tiers in old, in new)."""
        self.section_renames = _section_renames(old, new, renamed)
        """Old section id -> the section it became under a new id."""

    def direction(self, before: str | None, after: str | None) -> str | None:
        """``raised`` or ``lowered`` priority when both tiers rank in one revision."""
        for order in (self.new_tiers, self.old_tiers):
            if before in order and after in order:
                return "raised" if order[after] < order[before] else "lowered"
        return None

    def same_section(self, before: str | None, after: str | None) -> bool:
        renamed = self.section_renames.get(before) if before is not None else None
        return before == after or (renamed is not None and renamed.id == after)


def _section_renames(
    old: Constitution, new: Constitution, renamed: dict[str, str]
) -> dict[str, Section]:
    new_ids = {s.id for s in new.sections}
    old_ids = {s.id for s in old.sections}
    old_members: dict[str, set[str]] = {}
    for p in old.principles:
        if p.section is not None:
            old_members.setdefault(p.section, set()).add(renamed.get(p.id, p.id))
    new_members: dict[str, set[str]] = {}
    for p in new.principles:
        if p.section is not None:
            new_members.setdefault(p.section, set()).add(p.id)
    return match_section_renames(
        [s for s in old.sections if s.id not in new_ids],
        [s for s in new.sections if s.id not in old_ids],
        {k: frozenset(v) for k, v in old_members.items()},
        {k: frozenset(v) for k, v in new_members.items()},
    )


# -- document level -----------------------------------------------------------------------


def _document_changes(
    old: Constitution, new: Constitution, section_renames: dict[str, Section]
) -> list[Change]:
    out: list[Change] = []
    for kind, a, b in (
        (ChangeKind.DOCUMENT_VERSION, old.version, new.version),
        (ChangeKind.DOCUMENT_TITLE, old.title, new.title),
        (ChangeKind.DOCUMENT_DESCRIPTION, old.description, new.description),
        (ChangeKind.EXTENDS, old.extends, new.extends),
    ):
        if normalise_space(a) != normalise_space(b):
            out.append(Change(kind=kind, old=a, new=b))
    out.extend(_tier_changes(old, new))
    out.extend(_section_changes(old, new, section_renames))
    return out


def _tier_changes(old: Constitution, new: Constitution) -> list[Change]:
    old_tiers = [t.id for t in old.tiers]
    new_tiers = [t.id for t in new.tiers]
    out = [
        Change(kind=ChangeKind.TIER_REMOVED, field=t, old=old_tiers.index(t) + 1)
        for t in old_tiers
        if t not in new_tiers
    ]
    out.extend(
        Change(kind=ChangeKind.TIER_ADDED, field=t, new=new_tiers.index(t) + 1)
        for t in new_tiers
        if t not in old_tiers
    )
    common_old = [t for t in old_tiers if t in new_tiers]
    common_new = [t for t in new_tiers if t in old_tiers]
    if common_old != common_new:
        out.append(
            Change(kind=ChangeKind.TIERS_REORDERED, old=tuple(old_tiers), new=tuple(new_tiers))
        )
    return out


def _section_changes(
    old: Constitution, new: Constitution, renames: dict[str, Section]
) -> list[Change]:
    old_sections = {s.id: s for s in old.sections}
    became = {s.id: old_id for old_id, s in renames.items()}
    out = [
        Change(kind=ChangeKind.SECTION_REMOVED, field=s.id, old=s.title)
        for s in old.sections
        if s.id not in {t.id for t in new.sections} and s.id not in renames
    ]
    for s in new.sections:
        if s.id in became:
            before = old_sections[became[s.id]]
            out.append(
                Change(
                    kind=ChangeKind.SECTION_RENAMED,
                    field=s.id,
                    old_id=before.id,
                    old=before.title,
                    new=s.title,
                )
            )
            continue
        prior = old_sections.get(s.id)
        if prior is None:
            out.append(Change(kind=ChangeKind.SECTION_ADDED, field=s.id, new=s.title))
        elif normalise_space(prior.title) != normalise_space(s.title):
            out.append(
                Change(kind=ChangeKind.SECTION_RETITLED, field=s.id, old=prior.title, new=s.title)
            )
    return out


# -- one pair of principles ---------------------------------------------------------------


ExampleKey = tuple[str, tuple[tuple[str, str], ...], str]


def _example_key(example: Example) -> ExampleKey:
    """What makes two examples the same, whitespace ignored (cheaper than a model dump)."""
    messages = tuple((m.role.value, normalise_space(m.content)) for m in example.messages)
    return example.label.value, messages, normalise_space(example.note)


def _rubric_fields(rubric: Rubric | None) -> dict[str, str | None]:
    if rubric is None:
        return {"violates": None, "complies": None, "not_applicable": None}
    return {
        "violates": rubric.violates,
        "complies": rubric.complies,
        "not_applicable": rubric.not_applicable,
    }


JUDGED_KINDS = frozenset(
    {
        ChangeKind.RETITLED,
        ChangeKind.REWORDED,
        ChangeKind.RETIERED,
        ChangeKind.KIND,
        ChangeKind.SCOPE,
        ChangeKind.EXAMPLE_ADDED,
        ChangeKind.EXAMPLE_REMOVED,
    }
)
"""Changes to what a judge sees (:meth:`Principle.judged_content`, id aside)."""


def _pair_changes(old: Principle, new: Principle, context: _Context) -> list[Change]:
    pid = new.id
    out: list[Change] = []
    if normalise_space(old.title) != normalise_space(new.title):
        out.append(Change(kind=ChangeKind.RETITLED, principle_id=pid, old=old.title, new=new.title))
    texts: list[tuple[str, str | None, str | None]] = [("statement", old.statement, new.statement)]
    old_rubric, new_rubric = _rubric_fields(old.rubric), _rubric_fields(new.rubric)
    texts.extend((f"rubric.{k}", old_rubric[k], new_rubric[k]) for k in old_rubric)
    for field, a, b in texts:
        if normalise_space(a) != normalise_space(b):
            out.append(
                Change(
                    kind=ChangeKind.REWORDED,
                    principle_id=pid,
                    field=field,
                    old=normalise_space(a) or None,
                    new=normalise_space(b) or None,
                    words=word_diff(a, b),
                )
            )
    common = context.common
    if old.tier != new.tier:
        out.append(
            Change(
                kind=ChangeKind.RETIERED,
                principle_id=pid,
                field=context.direction(old.tier, new.tier),
                old=old.tier,
                new=new.tier,
            )
        )
    elif old.tier is not None and old.tier in common and common[old.tier][0] != common[old.tier][1]:
        before, after = common[old.tier]
        out.append(
            Change(
                kind=ChangeKind.REPRIORITISED,
                principle_id=pid,
                field=old.tier,
                old=before + 1,
                new=after + 1,
            )
        )
    for kind, a, b in (
        (ChangeKind.KIND, old.kind.value, new.kind.value),
        (ChangeKind.SCOPE, old.scope.value, new.scope.value),
        (ChangeKind.STATUS, old.status.value, new.status.value),
    ):
        if a != b:
            out.append(Change(kind=kind, principle_id=pid, old=a, new=b))
    if not context.same_section(old.section, new.section):
        out.append(
            Change(kind=ChangeKind.MOVED, principle_id=pid, old=old.section, new=new.section)
        )
    out.extend(_example_changes(old, new))
    others: tuple[tuple[str, Value, Value], ...] = (
        (
            "rationale",
            normalise_space(old.rationale) or None,
            normalise_space(new.rationale) or None,
        ),
        ("tags", tuple(old.tags), tuple(new.tags)),
        ("overridable", old.overridable, new.overridable),
    )
    for field, was, now in others:
        if was != now:
            out.append(
                Change(
                    kind=ChangeKind.FIELD_CHANGED,
                    principle_id=pid,
                    field=field,
                    old=was,
                    new=now,
                )
            )
    if old.version != new.version:
        out.append(
            Change(
                kind=ChangeKind.VERSION_CHANGED,
                principle_id=pid,
                old=old.version,
                new=new.version,
            )
        )
    if new.version <= old.version and any(c.kind in JUDGED_KINDS for c in out):
        out.append(
            Change(
                kind=ChangeKind.VERSION_NOT_BUMPED,
                principle_id=pid,
                old=old.version,
                new=new.version,
            )
        )
    return out


def _example_changes(old: Principle, new: Principle) -> list[Change]:
    old_keys = [_example_key(e) for e in old.examples]
    new_keys = [_example_key(e) for e in new.examples]
    if old_keys == new_keys:
        return []
    unmatched_new = Counter(new_keys)
    removed = []
    for e, key in zip(old.examples, old_keys, strict=True):
        if unmatched_new[key]:
            unmatched_new[key] -= 1
        else:
            removed.append(e)
    unmatched_old = Counter(old_keys)
    added = []
    for e, key in zip(new.examples, new_keys, strict=True):
        if unmatched_old[key]:
            unmatched_old[key] -= 1
        else:
            added.append(e)
    return [
        *(Change(kind=ChangeKind.EXAMPLE_REMOVED, principle_id=new.id, example=e) for e in removed),
        *(Change(kind=ChangeKind.EXAMPLE_ADDED, principle_id=new.id, example=e) for e in added),
    ]


__all__ = [
    "DIFF_SCHEMA_VERSION",
    "DOCUMENT_KINDS",
    "JUDGED_KINDS",
    "RENAME_THRESHOLD",
    "Change",
    "ChangeKind",
    "ConstitutionDiff",
    "DocumentRef",
    "diff_constitutions",
    "match_renames",
    "match_section_renames",
]
