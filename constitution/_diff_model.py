"""The data of a constitution diff: change kinds, changes, the diff document.

The JSON form of :class:`ConstitutionDiff` is versioned by :data:`DIFF_SCHEMA_VERSION`
and documented in ``docs/DIFF.md``. Build one with :func:`constitution.diff.diff_constitutions`.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from constitution.model import Example
from constitution.worddiff import WordSpan, normalise_space

DIFF_SCHEMA_VERSION = 1


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
    SECTION_RENAMED = "section_renamed"
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
        ChangeKind.SECTION_RENAMED,
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
    """For ``renamed`` and ``section_renamed``: the id in the old revision."""
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
        k.SECTION_RENAMED: f"section {c.old_id} renamed {c.field} ({c.old!r} -> {c.new!r})",
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
    "Change",
    "ChangeKind",
    "ConstitutionDiff",
    "DocumentRef",
    "Value",
]
