"""What the integrations cost when they are not used: import time and pytest start-up.

Prints medians over ``--runs`` fresh child processes of:

* ``import checker, constitution`` against ``python -c pass`` (the public API's
  packages import their names lazily);
* the import of the plugin module itself, timed inside a child that has imported
  pytest already (what the plugin adds to a pytest run, without process noise);
* ``pytest --collect-only`` of an empty temporary project with our ``pytest11``
  plugin loaded against ``-p no:constitution`` (every project that installs us pays
  this on every pytest run).

Run: ``.venv/bin/python bench/bench_integrations.py [--runs 15]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _medians_s(commands: list[list[str]], cwd: Path, runs: int) -> list[float]:
    """The median wall time of each command; runs interleaved, so machine load hits all."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, spent in zip(commands, times, strict=True):
            started = time.perf_counter()
            subprocess.run(command, cwd=cwd, check=True, capture_output=True)
            spent.append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


PLUGIN_IMPORT = (
    "import time, pytest\n"
    "t = time.perf_counter()\n"
    "import checker.integrations.pytest_plugin\n"
    "print(time.perf_counter() - t)\n"
)


def _plugin_import_s(cwd: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PLUGIN_IMPORT], cwd=cwd, check=True, capture_output=True, text=True
    )
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "test_plain.py").write_text("def test_plain():\n    pass\n")
        pytest = [py, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        bare, api, without, with_plugin = _medians_s(
            [
                [py, "-c", "pass"],
                [py, "-c", "import checker, constitution"],
                [*pytest, "-p", "no:constitution"],
                pytest,
            ],
            project,
            runs,
        )
        plugin = statistics.median(_plugin_import_s(project) for _ in range(runs))
    print(f"runs: {runs} (medians)")
    print(f"import checker.integrations.pytest_plugin after pytest: {plugin * 1000:.1f} ms")
    print(
        f"import checker, constitution: {api * 1000:.0f} ms"
        f" (python -c pass: {bare * 1000:.0f} ms; +{(api - bare) * 1000:.0f} ms)"
    )
    print(
        f"pytest --collect-only, empty project: {with_plugin * 1000:.0f} ms with the plugin,"
        f" {without * 1000:.0f} ms without (+{(with_plugin - without) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
