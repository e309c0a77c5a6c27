"""Block-level scanning of Markdown files with markdown-it: front matter and top-level blocks.

Only the block structure is needed (headings, fenced blocks, everything else as prose),
so inline parsing is switched off; prose is always taken back from the source lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from constitution._md_attrs import HeadingLine, parse_heading_line, parse_heading_text

BLOCK_NAMES = (
    "statement",
    "description",
    "rubric",
    "example",
    "rationale",
    "changelog",
    "metadata",
)
"""Info words of the fenced blocks that belong to the format (other fences are prose)."""

BlockKind = Literal["heading", "fence", "comment", "prose"]


@cache
def block_parser() -> MarkdownIt:
    """A CommonMark parser (with tables) that stops after the block phase."""
    md = MarkdownIt("commonmark").enable("table")
    md.core.ruler.disable(["inline", "text_join"])
    return md


def normalize_text(text: str) -> str:
    """Line endings and NUL as markdown-it normalises them, so line numbers agree."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block: 0-based ``start`` line, exclusive ``end`` line."""

    kind: BlockKind
    start: int
    end: int
    token: Token


def top_level_blocks(text: str) -> list[Block]:
    """The top-level blocks of ``text`` in document order."""
    blocks: list[Block] = []
    for token in block_parser().parse(text):
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        start, end = token.map
        kind: BlockKind
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "fence":
            kind = "fence"
        elif token.type == "html_block" and token.content.lstrip().startswith("<!--"):
            kind = "comment"
        else:
            kind = "prose"
        blocks.append(Block(kind, start, end, token))
    return blocks


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """YAML front matter between ``---`` lines; ``first_line`` is the 1-based line of its text."""

    text: str
    first_line: int
    end: int
    """0-based index of the line after the closing ``---``."""


def split_front_matter(lines: list[str]) -> FrontMatter | None:
    """The front matter at the top of a file, if it opens with a ``---`` line.

    Raises ``ValueError`` when the opening ``---`` is never closed.
    """
    if not lines or lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return FrontMatter("\n".join(lines[1:i]) + "\n", 2, i + 1)
    raise ValueError("front matter opened with '---' on line 1 is never closed")


def strip_blank_edges(lines: list[str], start: int, end: int) -> tuple[int, int]:
    """Narrow ``[start, end)`` so it neither starts nor ends with a blank line."""
    while start < end and not lines[start].strip(" \t"):
        start += 1
    while end > start and not lines[end - 1].strip(" \t"):
        end -= 1
    return start, end


def fence_info(token: Token) -> tuple[str, str]:
    """A fence's info string as (first word, rest), e.g. ``("example", "label=complies")``."""
    parts = token.info.split(maxsplit=1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (parts[0] if parts else "", "")


def prose_value(lines: list[str]) -> str:
    """The text of prose lines: multi-line prose ends with a newline, as a YAML ``|`` block."""
    text = "\n".join(lines)
    return text + "\n" if len(lines) > 1 else text


def fence_for(content: str, minimum: int = 3) -> str:
    """A backtick fence longer than any backtick run inside ``content``."""
    longest = run = 0
    for ch in content:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(minimum, longest + 1)


def read_heading(lines: list[str], block: Block) -> HeadingLine:
    """The title and attributes of a heading block (ATX or setext)."""
    markup = block.token.markup
    if markup and markup[0] in "=-":  # setext heading: text lines, then the underline
        content = " ".join(line.strip() for line in lines[block.start : block.end - 1])
        return parse_heading_text(content, 1 if markup[0] == "=" else 2)
    parsed = parse_heading_line(lines[block.start])
    assert parsed is not None, "markdown-it reported an ATX heading"
    return parsed
