"""Time the Markdown syntax on a generated 2,000-principle constitution.

    .venv/bin/python bench/bench_markdown.py [--principles 2000] [--repeat 3]

Builds the same constitution as ``bench_load.py`` (YAML), writes it as Markdown, then
times writing (``render_markdown``), parsing (``parse_markdown``) and ``load_constitution``
of the Markdown file, and checks that nothing was lost on the way.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_load import generate

from constitution.load import load_constitution
from constitution.markdown_syntax import parse_markdown, render_markdown
from constitution.yaml_syntax import parse_yaml


def best(repeat: int, fn: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--principles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    doc = parse_yaml(generate(args.principles), source="bench.yaml")
    text = render_markdown(doc)
    again = parse_markdown(text, source="bench.md")
    lossless = again.model_dump() == doc.model_dump()
    render_s = best(args.repeat, lambda: render_markdown(doc))
    parse_s = best(args.repeat, lambda: parse_markdown(text, source="bench.md"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.md"
        path.write_text(text, encoding="utf-8")
        load_s = best(args.repeat, lambda: load_constitution(path))
    print(f"principles: {len(doc.principles)}; markdown: {len(text.encode()) / 1024:.0f} KB")
    print(f"render: {render_s:.3f} s; parse: {parse_s:.3f} s; load: {load_s:.3f} s "
          f"(best of {args.repeat}); lossless: {lossless}")  # fmt: skip


if __name__ == "__main__":
    main()
