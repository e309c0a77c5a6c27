"""Time the text diff of two generated 2,000-principle revisions (goal: under 1 s).

    .venv/bin/python bench/bench_diff.py [--principles N] [--load] [--spec]

Revision 2 rewords, re-tiers, moves, renames, removes and adds a few percent of the
principles and edits examples, so every code path of the diff runs, including rename
matching over the unmatched ids. ``--load`` also times loading both from YAML files.
``--spec`` also imports a generated ~250 KB, ~80-heading prose spec (the generator of
``bench/bench_import_spec.py``) at two revisions and diffs them.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from constitution.diff import diff_constitutions
from constitution.load import load_constitution
from constitution.model import (
    Constitution,
    Example,
    ExampleMessage,
    Kind,
    Label,
    Principle,
    Role,
    Section,
    Tier,
)
from constitution.yaml_syntax import dump_yaml

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "de", "pa", "zu", "he")
WORDS = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("", "n", "s")][:400]
"""A vocabulary of 400 made-up words (prose has far more than a few dozen)."""
TIERS = ("safety", "ethics", "guidelines", "helpfulness")


def _sentence(rng: random.Random, n: int) -> str:
    return "The assistant " + " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def _example(rng: random.Random) -> Example:
    return Example(
        label=rng.choice((Label.COMPLIES, Label.VIOLATES)),
        messages=(
            ExampleMessage(role=Role.USER, content=_sentence(rng, 8)),
            ExampleMessage(role=Role.ASSISTANT, content=_sentence(rng, 12)),
        ),
    )


def generate(n: int, seed: int = 7) -> tuple[Constitution, Constitution]:
    """Two revisions of an ``n``-principle constitution with a known mix of changes."""
    rng = random.Random(seed)
    sections = tuple(Section(id=f"s{i}", title=f"Section {i}") for i in range(20))
    old: list[Principle] = []
    for i in range(n):
        old.append(
            Principle(
                id=f"s{i % 20}.p{i}",
                title=f"Principle {i} " + " ".join(rng.choice(WORDS) for _ in range(3)),
                statement=_sentence(rng, rng.randint(20, 40)),
                tier=rng.choice(TIERS),
                kind=rng.choice((Kind.HARD, Kind.DEFAULT)),
                section=f"s{i % 20}",
                examples=tuple(_example(rng) for _ in range(rng.randint(0, 2))),
            )
        )
    new: list[Principle] = []
    for p in old:
        roll = rng.random()
        if roll < 0.03:
            continue  # removed
        if roll < 0.06:
            words = p.statement.split()
            if rng.random() < 0.5:  # half of the renames also reword a word
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            new.append(p.model_copy(update={"id": p.id + "-renamed", "statement": " ".join(words)}))
        elif roll < 0.12:
            words = p.statement.split()
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            words.insert(rng.randrange(len(words)), rng.choice(WORDS))
            bump = p.version + (1 if rng.random() < 0.5 else 0)
            new.append(p.model_copy(update={"statement": " ".join(words), "version": bump}))
        elif roll < 0.15:
            new.append(p.model_copy(update={"tier": rng.choice(TIERS), "version": p.version + 1}))
        elif roll < 0.17:
            new.append(p.model_copy(update={"section": sections[rng.randrange(20)].id}))
        elif roll < 0.20:
            extra = (*p.examples, _example(rng))
            new.append(p.model_copy(update={"examples": extra, "version": p.version + 1}))
        else:
            new.append(p)
    for i in range(n // 30):
        new.append(
            Principle(
                id=f"s{i % 20}.added{i}",
                title=f"Added {i}",
                statement=_sentence(rng, 30),
                tier=rng.choice(TIERS),
                section=f"s{i % 20}",
            )
        )
    tiers = tuple(Tier(id=t) for t in TIERS)
    base = {"id": "bench", "title": "Bench", "tiers": tiers, "sections": sections}
    return (
        Constitution(version="1.0.0", principles=tuple(old), **base),
        Constitution(version="2.0.0", principles=tuple(new), **base),
    )


def _spec_revision(text: str) -> str:
    """Revision 2 of a generated prose spec: an unanchored heading (a section) retitled,
    one rule's anchor id renamed, two rules reworded, one removed, one added."""
    lines = text.split("\n")
    heads = [i for i, line in enumerate(lines) if line.startswith("### Rule ")]
    first_unanchored = next(i for i in heads if "{#" not in lines[i])
    lines[first_unanchored] = lines[first_unanchored].replace("### Rule", "### Renamed rule")
    for target in ("{#rules.r1 ", "{#rules.r5 "):
        at = next(i for i in heads if target in lines[i])
        para = next(j for j in range(at + 1, len(lines)) if lines[j].strip())
        lines[para] = "Always, and without exception: " + lines[para]
    renamed = next(i for i in heads if "{#rules.r9 " in lines[i])
    lines[renamed] = lines[renamed].replace("{#rules.r9 ", "{#rules.r9-renamed ")
    gone = next(heads.index(i) for i in heads if "{#rules.r6 " in lines[i])
    start, end = heads[gone], heads[gone + 1]
    del lines[start:end]
    lines += ["### A new rule {#rules.added}", "", "The assistant says which rule applied.", ""]
    return "\n".join(lines)


def bench_spec() -> None:
    """Import a generated ~250 KB, ~80-heading prose spec at two revisions and diff them."""
    from bench_import_spec import generate as generate_prose

    from constitution.importer import import_spec

    v1 = generate_prose()
    v2 = _spec_revision(v1)
    start = time.perf_counter()
    old = import_spec(v1, source="spec-v1.md").constitution
    new = import_spec(v2, source="spec-v2.md").constitution
    import_s = time.perf_counter() - start
    start = time.perf_counter()
    diff = diff_constitutions(old, new)
    diff_s = time.perf_counter() - start
    counts = Counter(c.kind.value for c in diff.changes)
    headings = sum(1 for line in v1.split("\n") if line.startswith("#"))
    print(f"prose spec: {headings} headings, {len(v1.encode()) / 1024:.0f} KB")
    print("spec changes: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print(f"spec import both: {import_s:.3f} s; diff: {diff_s:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--principles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--load", action="store_true", help="also time loading from YAML")
    parser.add_argument("--spec", action="store_true", help="also time a prose spec pair")
    args = parser.parse_args()
    old, new = generate(args.principles)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        diff = diff_constitutions(old, new)
        times.append(time.perf_counter() - start)
    counts = Counter(c.kind.value for c in diff.changes)
    print(f"principles: {len(old.principles)} -> {len(new.principles)}")
    print("changes: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print(f"diff time: best {min(times):.3f} s of {args.repeat} (goal < 1 s)")
    if args.load:
        with tempfile.TemporaryDirectory() as tmp:
            paths = [Path(tmp) / "v1.yaml", Path(tmp) / "v2.yaml"]
            for path, doc in zip(paths, (old, new), strict=True):
                path.write_text(dump_yaml(doc), encoding="utf-8")
            start = time.perf_counter()
            loaded = [load_constitution(p) for p in paths]
            load_s = time.perf_counter() - start
            start = time.perf_counter()
            diff_constitutions(*loaded)
            print(f"load both from YAML: {load_s:.3f} s; diff: {time.perf_counter() - start:.3f} s")
    if args.spec:
        bench_spec()


if __name__ == "__main__":
    main()
