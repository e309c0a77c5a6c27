"""Typed, immutable rule objects: the one model behind the YAML and Markdown syntaxes.

Every object is a frozen pydantic model. Objects read from a file carry a
:class:`SourceLocation`; it is never part of equality-sensitive content hashes.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

FORMAT_VERSION = 1
"""The version of the file format itself (the ``constitution:`` key)."""

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")
_SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
)


def _check_id(value: str) -> str:
    if not _ID_RE.fullmatch(value):
        raise ValueError(
            f"bad id {value!r}: use lowercase dotted words such as 'harm.self-harm' "
            "(letters, digits, '-' and '_', separated by '.')"
        )
    return value


def _check_semver(value: object) -> str:
    if not isinstance(value, str) or not _SEMVER_RE.fullmatch(value):
        raise ValueError(
            f"bad version {value!r}: expected a semantic version string such as '1.2.0' "
            "(quote it in YAML)"
        )
    return value


PrincipleId = Annotated[str, AfterValidator(_check_id)]
"""A stable dotted id such as ``harm.self-harm``."""

SemVer = Annotated[str, BeforeValidator(_check_semver)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceLocation(_Frozen):
    """Where an object was read from: file path (as given), 1-based line and column."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Status(StrEnum):
    ACTIVE = "active"
    DRAFT = "draft"
    DEPRECATED = "deprecated"


class Kind(StrEnum):
    """A hard constraint is never outweighed; a default behaviour can be adjusted by context."""

    HARD = "hard"
    DEFAULT = "default"


class Scope(StrEnum):
    """Which part of a conversation a principle judges."""

    ASSISTANT = "assistant"
    """The assistant's replies (text)."""
    TOOL_CALLS = "tool_calls"
    """The assistant's tool calls and what it does with their results."""
    CONVERSATION = "conversation"
    """The whole exchange, every role."""


class Label(StrEnum):
    """The label of an example conversation."""

    COMPLIES = "complies"
    VIOLATES = "violates"
    NOT_APPLICABLE = "not_applicable"


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class Rubric(_Frozen):
    """What counts as a violation, as compliance, and as not applicable."""

    violates: str | None = None
    complies: str | None = None
    not_applicable: str | None = None


class ExampleMessage(_Frozen):
    role: Role
    content: str


class Example(_Frozen):
    """A short labelled conversation that shows how the principle applies."""

    label: Label
    messages: tuple[ExampleMessage, ...] = Field(min_length=1)
    note: str | None = None
    source: SourceLocation | None = Field(default=None, exclude=True, repr=False)


class ChangelogEntry(_Frozen):
    version: int = Field(ge=1)
    note: str
    date: str | None = None


class Tier(_Frozen):
    """A priority tier. Tiers are listed highest priority first."""

    id: PrincipleId
    title: str | None = None
    description: str | None = None
    source: SourceLocation | None = Field(default=None, exclude=True, repr=False)


class Section(_Frozen):
    """A group of principles; sections nest through ``parent``."""

    id: PrincipleId
    title: str
    description: str | None = None
    parent: str | None = None
    source: SourceLocation | None = Field(default=None, exclude=True, repr=False)


class Principle(_Frozen):
    """One versioned principle."""

    id: PrincipleId
    title: str
    statement: str = Field(min_length=1)
    """The principle exactly as the judge sees it."""
    version: int = Field(default=1, ge=1)
    status: Status = Status.ACTIVE
    tier: str | None = None
    kind: Kind = Kind.DEFAULT
    scope: Scope = Scope.ASSISTANT
    overridable: bool = True
    """Whether a constitution that ``extends`` this one may redefine the principle."""
    rubric: Rubric | None = None
    examples: tuple[Example, ...] = ()
    tags: tuple[str, ...] = ()
    rationale: str | None = None
    changelog: tuple[ChangelogEntry, ...] = ()
    section: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Attributes the format does not define (kept, e.g. from imported prose specs)."""
    source: SourceLocation | None = Field(default=None, exclude=True, repr=False)

    def judged_content(self) -> dict[str, Any]:
        """The fields a judge sees; a change to any of them changes :meth:`content_hash`."""
        return self.model_dump(
            mode="json",
            include={"id", "title", "statement", "tier", "kind", "scope", "rubric", "examples"},
        )

    def content_hash(self) -> str:
        """A stable sha256 of :meth:`judged_content` (used as a cache key)."""
        canonical = json.dumps(self.judged_content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class LintConfig(_Frozen):
    disable: tuple[str, ...] = ()
    max_statement_chars: int = 1200


class Constitution(_Frozen):
    """A constitution: ranked tiers, sections and principles.

    A constitution returned by :func:`constitution.load_constitution` is *resolved*:
    its ``principles`` include those inherited through ``extends`` and ``include``.
    """

    format: int = FORMAT_VERSION
    id: PrincipleId
    title: str
    version: SemVer
    description: str | None = None
    extends: str | None = None
    include: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()
    sections: tuple[Section, ...] = ()
    principles: tuple[Principle, ...] = ()
    lint: LintConfig = Field(default_factory=LintConfig)
    metadata: dict[str, Any] = Field(default_factory=dict)
    source: SourceLocation | None = Field(default=None, exclude=True, repr=False)

    def principle(self, principle_id: str) -> Principle:
        """The principle with this id (KeyError if absent)."""
        for p in self.principles:
            if p.id == principle_id:
                return p
        raise KeyError(principle_id)

    def tier_rank(self, tier: str | None) -> int:
        """0 for the highest-priority tier; ``len(tiers)`` for an unknown or missing tier."""
        for rank, t in enumerate(self.tiers):
            if t.id == tier:
                return rank
        return len(self.tiers)

    def active_principles(self) -> tuple[Principle, ...]:
        return tuple(p for p in self.principles if p.status is Status.ACTIVE)
