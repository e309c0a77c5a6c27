"""Principle-aware diffs between two revisions of a constitution.

:func:`diff_constitutions` pairs principles by id, then pairs the remaining removed
and added ones by content similarity (renames), and lists every change as a
:class:`Change` of one :class:`ChangeKind`. The JSON form of :class:`ConstitutionDiff`
is versioned by :data:`DIFF_SCHEMA_VERSION` and documented in ``docs/DIFF.md``.

Whitespace is never significant: the same prose wrapped differently (or read from
Markdown rather than YAML) is not a rewording.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from constitution.model import Constitution, Example, Principle, Rubric
from constitution.worddiff import WordSpan, jaccard, normalise_space, tokenize, word_diff

DIFF_SCHEMA_VERSION = 1

RENAME_THRESHOLD = 0.6
"""Minimum similarity (difflib ratio over the words of title and statement) for a rename."""
_PREFILTER = 0.3
"""Minimum word-set Jaccard before the exact similarity is computed."""


class ChangeKind(StrEnum):
    """What changed. Document-level kinds have no ``principle_id``."""

    DOCUMENT_VERSION = "document_version"
    DOCUMENT_TITLE = "document_title"
    DOCUMENT_DESCRIPTION = "document_description"
    EXTENDS = "extends"
    TIER_ADDED = "tier_added"
    TIER_REMOVED = "tier_removed"
    TIERS_REORDERED = "tiers_reordered"
    SECTION_ADDED = "section_added"
    SECTION_REMOVED = "section_removed"
    SECTION_RETITLED = "section_retitled"
    ADDED = "added"
    REMOVED = "removed"
    RENAMED = "renamed"
    RETITLED = "retitled"
    REWORDED = "reworded"
    RETIERED = "retiered"
    REPRIORITISED = "reprioritised"
    KIND = "kind_changed"
    SCOPE = "scope_changed"
    STATUS = "status_changed"
    MOVED = "moved"
    EXAMPLE_REMOVED = "example_removed"
    EXAMPLE_ADDED = "example_added"
    FIELD_CHANGED = "field_changed"
    VERSION_CHANGED = "version_changed"
    VERSION_NOT_BUMPED = "version_not_bumped"


DOCUMENT_KINDS = frozenset(
    {
        ChangeKind.DOCUMENT_VERSION,
        ChangeKind.DOCUMENT_TITLE,
        ChangeKind.DOCUMENT_DESCRIPTION,
        ChangeKind.EXTENDS,
        ChangeKind.TIER_ADDED,
        ChangeKind.TIER_REMOVED,
        ChangeKind.TIERS_REORDERED,
        ChangeKind.SECTION_ADDED,
        ChangeKind.SECTION_REMOVED,
        ChangeKind.SECTION_RETITLED,
    }
)

Value = str | int | float | bool | tuple[str, ...] | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Change(_Frozen):
    """One change. ``principle_id`` is the id in the new revision (the old one if removed)."""

    kind: ChangeKind
    principle_id: str | None = None
    old_id: str | None = None
    """For ``renamed``: the id in the old revision."""
    field: str | None = None
    """The field concerned: ``statement``, ``rubric.violates``, ``rationale``, a tier id, ..."""
    old: Value = None
    new: Value = None
    words: tuple[WordSpan, ...] = ()
    """For ``reworded``: the word-level diff of ``old`` into ``new``."""
    similarity: float | None = None
    """For ``renamed``: the content similarity that paired the two ids."""
    example: Example | None = None
    """For ``example_added`` / ``example_removed``."""

    @property
    def summary(self) -> str:
        """A one-line plain-text description."""
        return _summary(self)


class DocumentRef(_Frozen):
    """Which revision a side of the diff is."""

    id: str
    title: str
    version: str
    source: str | None = None
    principles: int = 0


class ConstitutionDiff(_Frozen):
    """Every change from ``old`` to ``new``, document-level changes first."""

    schema_version: int = DIFF_SCHEMA_VERSION
    old: DocumentRef
    new: DocumentRef
    changes: tuple[Change, ...] = ()
    unchanged: tuple[str, ...] = ()
    """Ids of principles present in both revisions with no change at all."""

    @property
    def document_changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.principle_id is None)

    def by_principle(self) -> dict[str, list[Change]]:
        """Principle changes grouped by principle id, in report order."""
        groups: dict[str, list[Change]] = {}
        for c in self.changes:
            if c.principle_id is not None:
                groups.setdefault(c.principle_id, []).append(c)
        return groups

    def counts(self) -> dict[str, int]:
        """How many changes of each kind (kinds with none omitted)."""
        return dict(Counter(c.kind.value for c in self.changes))

    @property
    def empty(self) -> bool:
        return not self.changes


def diff_constitutions(old: Constitution, new: Constitution) -> ConstitutionDiff:
    """Compare two resolved constitutions principle by principle."""
    changes = _document_changes(old, new)
    old_by_id = {p.id: p for p in old.principles}
    new_by_id = {p.id: p for p in new.principles}
    removed = [p for p in old.principles if p.id not in new_by_id]
    added = [p for p in new.principles if p.id not in old_by_id]
    renames = match_renames(removed, added)
    renamed_old = {o.id for o, _, _ in renames.values()}
    ranks = _TierRanks(old, new)
    unchanged: list[str] = []
    for p in new.principles:
        if p.id in old_by_id:
            found = _pair_changes(old_by_id[p.id], p, ranks)
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
                *_pair_changes(before, p, ranks),
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


# -- document level -----------------------------------------------------------------------


def _document_changes(old: Constitution, new: Constitution) -> list[Change]:
    out: list[Change] = []
    for kind, a, b in (
        (ChangeKind.DOCUMENT_VERSION, old.version, new.version),
        (ChangeKind.DOCUMENT_TITLE, old.title, new.title),
        (ChangeKind.DOCUMENT_DESCRIPTION, old.description, new.description),
        (ChangeKind.EXTENDS, old.extends, new.extends),
    ):
        if normalise_space(a) != normalise_space(b):
            out.append(Change(kind=kind, old=a, new=b))
    old_tiers = [t.id for t in old.tiers]
    new_tiers = [t.id for t in new.tiers]
    out.extend(
        Change(kind=ChangeKind.TIER_REMOVED, field=t, old=old_tiers.index(t) + 1)
        for t in old_tiers
        if t not in new_tiers
    )
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
    old_sections = {s.id: s for s in old.sections}
    new_sections = {s.id: s for s in new.sections}
    out.extend(
        Change(kind=ChangeKind.SECTION_REMOVED, field=s.id, old=s.title)
        for s in old.sections
        if s.id not in new_sections
    )
    for s in new.sections:
        before = old_sections.get(s.id)
        if before is None:
            out.append(Change(kind=ChangeKind.SECTION_ADDED, field=s.id, new=s.title))
        elif normalise_space(before.title) != normalise_space(s.title):
            out.append(
                Change(kind=ChangeKind.SECTION_RETITLED, field=s.id, old=before.title, new=s.title)
            )
    return out


class _TierRanks:
    """Tier positions in both revisions (0 = highest priority)."""

    def __init__(self, old: Constitution, new: Constitution) -> None:
        self.old = {t.id: i for i, t in enumerate(old.tiers)}
        self.new = {t.id: i for i, t in enumerate(new.tiers)}
        common_old = [t.id for t in old.tiers if t.id in self.new]
        common_new = [t.id for t in new.tiers if t.id in self.old]
        self.common = {t: (common_old.index(t), common_new.index(t)) for t in common_old}
        """For tiers in both: (rank among the common tiers in old, in new)."""

    def direction(self, before: str | None, after: str | None) -> str | None:
        """``raised`` or ``lowered`` priority when both tiers rank in one revision."""
        for order in (self.new, self.old):
            if before in order and after in order:
                return "raised" if order[after] < order[before] else "lowered"
        return None


# -- renames ------------------------------------------------------------------------------


def _match_tokens(p: Principle) -> list[str]:
    return [t.lower() for t in tokenize(f"{p.title}\n{p.statement}")]


def match_renames(
    removed: Iterable[Principle], added: Iterable[Principle], threshold: float = RENAME_THRESHOLD
) -> dict[str, tuple[Principle, Principle, float]]:
    """Pair removed with added principles whose content is alike: ``{new_id: (old, new, ratio)}``.

    Similarity is difflib's ratio over the words of title and statement. Identical
    texts pair first by hash; the rest are compared only after a word-set Jaccard
    prefilter and difflib's cheap upper bounds, then taken greedily, most similar
    first, each principle used once.
    """
    olds = [(p, _match_tokens(p)) for p in removed]
    news = [(p, _match_tokens(p)) for p in added]
    out: dict[str, tuple[Principle, Principle, float]] = {}
    by_text: dict[tuple[str, ...], list[int]] = {}
    for j, (_, tokens) in enumerate(news):
        by_text.setdefault(tuple(tokens), []).append(j)
    used_old: set[int] = set()
    used_new: set[int] = set()
    for i, (old, tokens) in enumerate(olds):
        same = by_text.get(tuple(tokens))
        if same:
            j = same.pop(0)
            used_old.add(i)
            used_new.add(j)
            out[news[j][0].id] = (old, news[j][0], 1.0)
    candidates: list[tuple[float, int, int]] = []
    new_sets = [frozenset(tokens) for _, tokens in news]
    matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
    for i, (_, old_tokens) in enumerate(olds):
        if i in used_old:
            continue
        old_set = frozenset(old_tokens)
        matcher.set_seq2(old_tokens)
        for j, (_, new_tokens) in enumerate(news):
            if j in used_new or jaccard(old_set, new_sets[j]) < _PREFILTER:
                continue
            matcher.set_seq1(new_tokens)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            score = matcher.ratio()
            if score >= threshold:
                candidates.append((score, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    for score, i, j in candidates:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        out[news[j][0].id] = (olds[i][0], news[j][0], score)
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


def _pair_changes(old: Principle, new: Principle, ranks: _TierRanks) -> list[Change]:
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
    common = ranks.common
    if old.tier != new.tier:
        out.append(
            Change(
                kind=ChangeKind.RETIERED,
                principle_id=pid,
                field=ranks.direction(old.tier, new.tier),
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
        (ChangeKind.MOVED, old.section, new.section),
    ):
        if a != b:
            out.append(Change(kind=kind, principle_id=pid, old=a, new=b))
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


# -- plain-text summaries -----------------------------------------------------------------


def _example_brief(example: Example | None) -> str:
    if example is None:
        return ""
    first = normalise_space(example.messages[0].content)
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"{example.label.value}: {first!r}"


def _order(value: Value) -> str:
    return " > ".join(value) if isinstance(value, tuple) else str(value)


def _summary(c: Change) -> str:
    k = ChangeKind
    simple = {
        k.DOCUMENT_VERSION: f"version {c.old} -> {c.new}",
        k.DOCUMENT_TITLE: f"title {c.old!r} -> {c.new!r}",
        k.DOCUMENT_DESCRIPTION: "description changed",
        k.EXTENDS: f"extends {c.old or '(nothing)'} -> {c.new or '(nothing)'}",
        k.TIER_ADDED: f"tier {c.field} added at position {c.new}",
        k.TIER_REMOVED: f"tier {c.field} removed (was position {c.old})",
        k.TIERS_REORDERED: f"tiers reordered: {_order(c.old)}  ->  {_order(c.new)}",
        k.SECTION_ADDED: f"section {c.field} added",
        k.SECTION_REMOVED: f"section {c.field} removed",
        k.SECTION_RETITLED: f"section {c.field} retitled {c.old!r} -> {c.new!r}",
        k.ADDED: f"added: {c.new}",
        k.REMOVED: f"removed: {c.old}",
        k.RENAMED: f"renamed {c.old} -> {c.new} (similarity {c.similarity or 0:.2f})",
        k.RETITLED: f"title {c.old!r} -> {c.new!r}",
        k.REWORDED: f"{c.field} reworded",
        k.RETIERED: f"tier {c.old or '-'} -> {c.new or '-'}"
        + (f" (priority {c.field})" if c.field else ""),
        k.REPRIORITISED: f"tier {c.field} moved from rank {c.old} to {c.new}",
        k.KIND: f"kind {c.old} -> {c.new}",
        k.SCOPE: f"scope {c.old} -> {c.new}",
        k.STATUS: f"status {c.old} -> {c.new}",
        k.MOVED: f"moved from section {c.old or '-'} to {c.new or '-'}",
        k.EXAMPLE_ADDED: f"example added ({_example_brief(c.example)})",
        k.EXAMPLE_REMOVED: f"example removed ({_example_brief(c.example)})",
        k.FIELD_CHANGED: f"{c.field} changed",
        k.VERSION_CHANGED: f"version {c.old} -> {c.new}",
        k.VERSION_NOT_BUMPED: f"content changed but version not bumped (still {c.new})",
    }
    return simple[c.kind]


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
]
