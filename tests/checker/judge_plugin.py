"""A judge plugin made visible to the test process (module + dist-info on ``sys.path``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.judges import ENTRY_POINT_GROUP, forget_plugins

PLUGIN_MODULE = '''
from checker.judges import JudgeBase, JudgeEntry
from checker.verdict import Outcome, Verdict
from checker.judges import verdict_provenance


class EchoJudge(JudgeBase):
    """Says every transcript complies (a plugin for tests)."""

    name = "echo"
    prompt_version = "echo-1"

    def __init__(self, model=None, timeout_s=None):
        self.model = model or "echo-model"
        self.timeout_s = timeout_s

    async def grade(self, transcript, principle, constitution, *, sample_index=0):
        return Verdict(
            outcome=Outcome.COMPLIES,
            **verdict_provenance(self, transcript, principle, sample_index),
        )


ENTRY = JudgeEntry(
    "ignored: the entry point's name wins",
    "Says every transcript complies.",
    "ECHO_TOKEN",
    EchoJudge,
    frozenset({"timeout_s"}),
    lambda env: None if env.get("ECHO_TOKEN") else "ECHO_TOKEN is not set",
)
'''


def install_plugin(root: Path, dist: str, lines: list[str], module: str = PLUGIN_MODULE) -> None:
    """A module ``<dist>_mod`` and a dist-info declaring ``lines`` in the judges group."""
    package = dist.replace("-", "_")
    (root / f"{package}_mod.py").write_text(module)
    info = root / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    body = "\n".join(line.replace("MOD", f"{package}_mod") for line in lines)
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{body}\n")


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    forget_plugins()
    yield tmp_path
    for name in [m for m in sys.modules if m.endswith("_mod") and "judges" in m]:
        del sys.modules[name]
    forget_plugins()
