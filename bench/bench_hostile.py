"""Time and peak memory to refuse hostile inputs; goal: each under 1 s and 100 MB.

Writes a YAML "billion laughs" (nine levels of aliases), a YAML file nested 100,000
deep (200 KB), a 2 MB ``.eval`` zip holding a 2 GiB sample, and a JSON line whose
tool-call arguments nest 900 deep; then reads each in a fresh process and prints the
time of the read, the peak resident memory of that whole process (interpreter and
imports included) and the error it ended in.

    .venv/bin/python bench/bench_hostile.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 1.0
GOAL_MB = 100.0


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def zip_bomb(path: Path, gib: int = 2) -> None:
    """A zip whose one sample inflates to ``gib`` GiB of spaces (about 2 MB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("header.json", json.dumps({"eval": {"task": "t"}, "status": "success"}))
        with archive.open("samples/1_epoch_1.json", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 24)
            for _ in range(gib * 64):
                member.write(chunk)


def deep_tool_call() -> str:
    arguments = "[" * 900 + "]" * 900
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": arguments}}
    messages = [{"role": "user", "content": "go"}, {"role": "assistant", "tool_calls": [call]}]
    return json.dumps({"id": "a", "messages": messages}) + "\n"


def child(kind: str, path: str) -> None:
    """In a fresh process: read ``path``, print seconds, peak MB and the error as JSON."""
    from checker.transcripts import load_transcripts
    from constitution.errors import ConstitutionLoadError
    from constitution.load import load_constitution

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    error = "none"
    if kind == "constitution":
        try:
            load_constitution(path)
        except ConstitutionLoadError as exc:
            error = str(exc.diagnostics[0])
    else:
        stream = load_transcripts(path, skip_invalid=True)
        list(stream)
        error = str(stream.skipped[0]) if stream.skipped else "none"
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "baseline_mb": before, "error": error}))


def measure(kind: str, path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        laughs = folder / "laughs.yaml"
        laughs.write_text(billion_laughs())
        deep = folder / "deep.yaml"
        deep.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
        bomb = folder / "bomb.eval"
        started = time.perf_counter()
        zip_bomb(bomb)
        made = time.perf_counter() - started
        calls = folder / "calls.jsonl"
        calls.write_text(deep_tool_call())
        print(f"(zip bomb written in {made:.1f} s: {bomb.stat().st_size:,} bytes, 2 GiB inflated)")
        cases = [
            ("billion laughs", "constitution", laughs),
            ("YAML nested 100,000 deep", "constitution", deep),
            ("zip bomb (.eval)", "transcripts", bomb),
            ("tool-call arguments 900 deep", "transcripts", calls),
        ]
        worst_s = worst_mb = 0.0
        for label, kind, path in cases:
            r = measure(kind, path)
            seconds, peak = float(str(r["seconds"])), float(str(r["peak_mb"]))
            worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, peak)
            size = path.stat().st_size
            print(
                f"{label}: {size:,} bytes, refused in {seconds:.3f} s, peak {peak:.0f} MB "
                f"(process before reading: {float(str(r['baseline_mb'])):.0f} MB)\n  {r['error']}"
            )
        met = worst_s < GOAL_SECONDS and worst_mb < GOAL_MB
        print(
            f"worst: {worst_s:.3f} s, {worst_mb:.0f} MB "
            f"(goal < {GOAL_SECONDS:g} s and < {GOAL_MB:g} MB: {'met' if met else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
