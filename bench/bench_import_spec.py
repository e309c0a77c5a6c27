"""Time ``constitution import`` on a generated ~250 KB prose spec with ~80 headings.

    .venv/bin/python bench/bench_import_spec.py [--headings 80] [--kb 250] [--repeat 3]

The document mixes what real policy documents hold: nested lists, tables, block quotes,
HTML comments (inline and whole blocks), fenced code blocks, anchored and plain headings,
unknown attributes. Prints the size, what was imported, and the best import time
(plus the time to write the result as YAML and as Markdown).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from constitution.importer import import_spec
from constitution.markdown_syntax import render_markdown
from constitution.yaml_syntax import dump_yaml

WORDS = [
    "assistant",
    "user",
    "operator",
    "reply",
    "request",
    "harm",
    "honest",
    "careful",
    "context",
    "policy",
    "tool",
    "data",
    "privacy",
    "consent",
    "clear",
    "refuse",
    "explain",
    "safe",
    "risk",
    "example",
    "detail",
    "answer",
    "source",
    "claim",
    "review",
    "escalate",
    "confirm",
    "action",
    "message",
    "account",
    "refund",
    "medical",
    "legal",
    "financial",
]


def sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 5) -> str:
    text = " ".join(sentence(rng) for _ in range(sentences))
    # Wrap at ~88 columns like a hand-written document.
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) > 88:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def blocks(rng: random.Random) -> list[str]:
    """One of each kind of block, in a random order, for a principle's body."""
    nested = "\n".join(
        f"- {sentence(rng, 8)}\n  - {sentence(rng, 6)}\n    1. {sentence(rng, 5)}" for _ in range(3)
    )
    rows = "\n".join(f"| {rng.choice(WORDS)} | {sentence(rng, 6)} |" for _ in range(4))
    table = f"| Case | Expected behaviour |\n|------|--------------------|\n{rows}"
    quote = "\n".join(f"> {line}" for line in paragraph(rng, 2).split("\n"))
    code = f"```python\ndef check_{rng.randint(0, 999)}(reply):\n    return 'ok' in reply\n```"
    comment = f"<!-- reviewer note: {sentence(rng, 6)} -->"
    inline = f"{sentence(rng, 8)} <!-- inline: {rng.choice(WORDS)} --> {sentence(rng, 6)}"
    out = [nested, table, quote, code, comment, inline]
    rng.shuffle(out)
    return out


def generate(headings: int = 80, target_kb: int = 250, seed: int = 7) -> str:
    """A prose spec of about ``target_kb`` KB with ``headings`` headings."""
    rng = random.Random(seed)
    sections = max(1, headings // 10)
    principles = headings - sections - 1
    per_principle = target_kb * 1024 * 95 // 100 // max(1, principles)
    parts = ["# Generated policy spec", "", paragraph(rng), ""]
    for i in range(principles):
        if i % (principles // sections + 1) == 0:
            parts += [f"## Part {i // 10}: {sentence(rng, 3)[:-1]}", "", paragraph(rng, 2), ""]
        anchor = f" {{#rules.r{i} tier=t{i % 3} owner=team-{i % 5}}}" if i % 4 else ""
        parts += [f"### Rule {i}: {sentence(rng, 4)[:-1]}{anchor}", ""]
        body: list[str] = []
        size = 0
        while size < per_principle:
            for block in [paragraph(rng), *blocks(rng)]:
                body.append(block)
                size += len(block) + 2
                if size >= per_principle:
                    break
        parts += ["\n\n".join(body), ""]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--headings", type=int, default=80)
    parser.add_argument("--kb", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = generate(args.headings, args.kb)
    heading_count = sum(1 for line in text.split("\n") if line.startswith("#"))
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = import_spec(text, source="generated-spec.md")
        times.append(time.perf_counter() - start)
    doc = result.constitution
    start = time.perf_counter()
    dump_yaml(doc)
    yaml_s = time.perf_counter() - start
    start = time.perf_counter()
    render_markdown(doc)
    md_s = time.perf_counter() - start
    print(f"spec: {len(text.encode()) / 1024:.0f} KB, {heading_count} headings")
    print(
        f"imported: {len(doc.principles)} principles, {len(doc.sections)} sections, "
        f"{len(result.warnings)} warnings"
    )
    print(f"import: {min(times):.3f} s (best of {args.repeat})")
    print(f"write yaml: {yaml_s:.3f} s; write markdown: {md_s:.3f} s")


if __name__ == "__main__":
    main()
