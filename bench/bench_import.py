"""Import throughput and peak memory of the JSONL transcript reader.

Generates JSON-lines files of about 10 MB and 100 MB (OpenAI-style conversations
with tool calls, plus Anthropic requests) in a temporary folder, then reads each
in a fresh child process with ``load_transcripts`` and prints:

* throughput: MB/s and transcripts/s (a plain pass, no tracing);
* peak memory: ``tracemalloc`` peak of Python allocations while reading (a second
  pass), and the child's peak resident set size (``ru_maxrss``) minus its size
  just before reading.

Memory that does not grow with the file size shows the reader streams.
Run: ``.venv/bin/python bench/bench_import.py [--sizes 10,100]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

MB = 1024 * 1024
WORDS = [
    "the",
    "kettle",
    "garden",
    "invoice",
    "refund",
    "train",
    "ticket",
    "oven",
    "lentil",
    "parcel",
    "window",
    "monday",
    "account",
    "password",
    "river",
    "map",
    "library",
    "card",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def record(rng: random.Random, index: int) -> dict[str, object]:
    """One conversation of 2 to 8 messages; every third uses a tool, every fifth is Anthropic."""
    if index % 5 == 4:
        return {
            "system": sentence(rng, 12),
            "model": "claude-haiku-4-5",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": sentence(rng, 60)}]},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": sentence(rng, 40)},
                        {"type": "text", "text": sentence(rng, 120)},
                    ],
                },
            ],
        }
    messages: list[dict[str, object]] = [
        {"role": "system", "content": sentence(rng, 15)},
        {"role": "user", "content": sentence(rng, rng.randint(20, 120))},
    ]
    if index % 3 == 0:
        call = f"call_{index}"
        messages += [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call,
                        "type": "function",
                        "function": {
                            "name": "search",
                            "arguments": json.dumps({"q": sentence(rng, 5)}),
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call, "content": sentence(rng, 150)},
        ]
    messages.append({"role": "assistant", "content": sentence(rng, rng.randint(40, 250))})
    return {"id": f"conv-{index}", "model": "gpt-4o-mini", "messages": messages}


def generate(path: Path, size_mb: int) -> int:
    rng = random.Random(size_mb)
    target = size_mb * MB
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            line = json.dumps(record(rng, count)) + "\n"
            out.write(line)
            written += len(line.encode())
            count += 1
    return count


def child(path: str, trace: bool) -> None:
    """Read ``path`` once and print one JSON line of measurements."""
    from checker.transcripts import load_transcripts

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    count = sum(1 for _ in load_transcripts(path))
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "count": count,
                "seconds": seconds,
                "traced_peak": peak,
                "rss_growth_kib": rss_after - rss_before,
                "rss_peak_kib": rss_after,
            }
        )
    )


def measure(path: Path, trace: bool) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", str(path)] + (["--trace"] if trace else [])
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100", help="file sizes in MB, comma separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child, options.trace)
        return
    print(
        f"{'file':>8} {'records':>8} {'MB/s':>7} {'transcripts/s':>14} "
        f"{'traced peak':>12} {'RSS growth':>11} {'RSS peak':>9}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in options.sizes.split(",")):
            path = Path(folder) / f"bench_{size}mb.jsonl"
            records = generate(path, size)
            megabytes = path.stat().st_size / MB
            plain = measure(path, trace=False)
            traced = measure(path, trace=True)
            assert plain["count"] == traced["count"] == records
            print(
                f"{megabytes:7.1f}M {records:8d} {megabytes / plain['seconds']:7.1f} "
                f"{records / plain['seconds']:14.0f} "
                f"{traced['traced_peak'] / MB:10.2f}MB "
                f"{plain['rss_growth_kib'] / 1024:9.1f}MB "
                f"{plain['rss_peak_kib'] / 1024:7.1f}MB"
            )
            path.unlink()


if __name__ == "__main__":
    main()
