"""Runnable code blocks in README.md and docs/*.md (stdlib only: `.ci/run` uses it too).

A fenced block is runnable when its info string has the word ``runnable`` after the
language: ```` ```sh runnable ````. Other words set how it runs:

- ``exit=N``: the exit code the block is expected to end with (default 0);
- ``fake-api``: the block needs an API key: it runs against the fake Messages API
  server (``tests/fakeapi``) through ``ANTHROPIC_BASE_URL``, with a dummy key;
- ``ci``: a block ``.ci/run`` itself runs, in the work tree, in order: the README's
  set-up (a fresh ``.venv`` and the main job) and its test command.

See CONTRIBUTING.md. ``python3 tests/docs/blocks.py ci README.md N`` prints the Nth
``ci`` block; ``python3 tests/docs/blocks.py list FILE...`` lists the runnable ones.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

RUNNABLE = "runnable"
SHELLS = frozenset({"sh", "bash", "shell"})
LANGUAGES = SHELLS | {"python"}
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block."""

    file: str
    line: int
    """1-based line of the opening fence."""
    language: str
    words: frozenset[str]
    text: str
    options: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def runnable(self) -> bool:
        return RUNNABLE in self.words

    @property
    def expected_exit(self) -> int:
        return int(self.options.get("exit", "0"))

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def read_blocks(path: Path, name: str | None = None) -> list[Block]:
    """Every fenced block of a Markdown file, in order."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        start, fence = index, opening["fence"]
        body: list[str] = []
        while index < len(lines) and not _closes(lines[index], fence):
            body.append(lines[index][len(opening["indent"]) :])
            index += 1
        index += 1
        words = opening["info"].split()
        language = words[0] if words else ""
        options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        flags = frozenset(w.split("=", 1)[0] for w in words[1:])
        text = "\n".join(body) + "\n"
        blocks.append(Block(name or str(path), start, language, flags, text, options))
    return blocks


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def runnable_blocks(path: Path, name: str | None = None) -> list[Block]:
    return [block for block in read_blocks(path, name) if block.runnable]


CI = "ci"


def ci_block(path: Path, number: int) -> Block:
    """The ``number``-th (1-based) ``sh runnable ci`` block of ``path``."""
    found = [b for b in runnable_blocks(path) if CI in b.words]
    if not 1 <= number <= len(found):
        raise SystemExit(f"{path}: no `sh runnable ci` block number {number} ({len(found)} found)")
    return found[number - 1]


def _main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == CI:
        sys.stdout.write(ci_block(Path(argv[1]), int(argv[2])).text)
        return 0
    if argv and argv[0] == "list":
        for name in argv[1:]:
            for block in runnable_blocks(Path(name)):
                print(f"{block.where}: {block.language} {' '.join(sorted(block.words))}")
        return 0
    print("usage: blocks.py ci README.md N | blocks.py list FILE...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
