"""Load and lint a generated 2,000-principle constitution; print the times.

python bench/bench_load.py [--principles 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from constitution.lint import lint_constitution
from constitution.load import load_constitution

TIERS = ("safety", "ethics", "guidelines", "helpfulness")


def generate(n: int) -> str:
    """A YAML constitution with ``n`` principles in 20 sections, each with an example."""
    lines = ["constitution: 1", "id: bench", "title: Bench", "version: 1.0.0", "tiers:"]
    lines += [f"  - id: {t}" for t in TIERS]
    lines.append("sections:")
    per_section = max(1, n // 20)
    for i in range(n):
        if i % per_section == 0:
            lines += [f"  - id: s{i // per_section}", f"    title: Section {i // per_section}",
                      "    principles:"]  # fmt: skip
        lines += [
            f"      - id: s{i // per_section}.p{i}",
            f"        title: Principle number {i}",
            f"        version: {1 + i % 3}",
            f"        tier: {TIERS[i % 4]}",
            "        kind: default",
            "        statement: |",
            f"          The assistant does thing {i} carefully, and explains its reasoning when",
            f"          asked about thing {i}, without inventing facts about item {i * 7}.",
            "        rubric:",
            f"          violates: Thing {i} is done carelessly.",
            "        examples:",
            "          - label: complies",
            "            conversation:",
            f"              - user: Please do thing {i}.",
            f"              - assistant: Done, thing {i} is complete.",
            "        rationale: Benchmarks need bulk.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--principles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(generate(args.principles))
        size_kb = path.stat().st_size / 1024
        t0 = time.perf_counter()
        doc = load_constitution(path)
        t1 = time.perf_counter()
        warnings = lint_constitution(doc)
        t2 = time.perf_counter()
    print(f"principles: {len(doc.principles)} ({size_kb:.0f} KiB of YAML)")
    print(f"load: {t1 - t0:.3f} s")
    print(f"lint: {t2 - t1:.3f} s ({len(warnings)} warnings)")
    print(f"load + lint: {t2 - t0:.3f} s (goal < 1 s)")


if __name__ == "__main__":
    main()
