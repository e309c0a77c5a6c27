"""Every runnable block of README.md and docs/*.md runs as written (docs/RUNNABLE_DOCS.md).

Each file's blocks run in order, in one fresh copy of the repository (so they may
build on each other, and nothing they write reaches the work tree), with the
virtual environment activated and no API key: ``fake-api`` blocks get the fake
Messages API server. A block that reads ``../shared/corpora/`` is skipped, and
said so, where the corpora are absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPORA, ROOT
from tests.docs.blocks import CI, LANGUAGES, SHELLS, Block, runnable_blocks

DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = {
    path.relative_to(ROOT).as_posix(): runnable_blocks(path, path.relative_to(ROOT).as_posix())
    for path in DOC_FILES
}
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".constitution",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "*.egg-info",
    "report.html",
    "out",
)
BLOCK_TIMEOUT_S = 300
KEPT_OUT = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY")


def test_readme_has_runnable_blocks() -> None:
    assert len(RUNNABLE["README.md"]) >= 2


def test_every_runnable_block_has_a_language_we_run() -> None:
    odd = [b.where for blocks in RUNNABLE.values() for b in blocks if b.language not in LANGUAGES]
    assert not odd, f"runnable blocks in a language other than {sorted(LANGUAGES)}: {odd}"


@pytest.fixture
def copy(tmp_path: Path) -> Iterator[Path]:
    """A copy of the repository with the virtual environment and the corpora linked in."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=NOT_COPIED, symlinks=True)
    if sys.prefix == sys.base_prefix:
        pytest.skip("runnable docs need the tests to run in a virtual environment")
    (repo / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    if CORPORA.is_dir():
        (tmp_path / "shared").mkdir()
        (tmp_path / "shared" / "corpora").symlink_to(CORPORA, target_is_directory=True)
    yield repo


@pytest.mark.parametrize("name", [name for name, blocks in RUNNABLE.items() if blocks])
def test_runnable_blocks_run_as_written(
    name: str, copy: Path, fake_api: object, capsys: pytest.CaptureFixture[str]
) -> None:
    skipped: list[str] = []
    for block in RUNNABLE[name]:
        if CI in block.words:
            continue  # .ci/run runs these itself, in the work tree
        if "../shared/corpora" in block.text and not CORPORA.is_dir():
            skipped.append(f"{block.where}: needs ../shared/corpora/")
            continue
        _run(block, copy, fake_api)
    with capsys.disabled():
        for note in skipped:
            print(f"\n  skipped {note}", end="")


def environment(repo: Path, api: Any = None) -> dict[str, str]:
    """The environment runnable blocks see: the copy's venv activated, no keys; with a
    started fake Messages API server ``api``, a dummy key pointing at it."""
    env = {k: v for k, v in os.environ.items() if k not in KEPT_OUT}
    env = {k: v for k, v in env.items() if not k.startswith(("CONSTITUTION_", "OPENAI_"))}
    venv = repo / ".venv"
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        COLUMNS="80",
        TMPDIR=str(repo.parent),
        PYTHONDONTWRITEBYTECODE="1",
    )
    if api is not None:
        env.update(ANTHROPIC_API_KEY="sk-ant-fake-docs", ANTHROPIC_BASE_URL=api.base_url)
    return env


def _run(block: Block, repo: Path, fake_api: object) -> None:
    command = ["bash", "-euo", "pipefail", "-c"] if block.language in SHELLS else ["python", "-c"]
    done = subprocess.run(
        [*command, block.text],
        cwd=repo,
        env=environment(repo, fake_api() if "fake-api" in block.words else None),  # type: ignore[operator]
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
        check=False,
    )
    if done.returncode != block.expected_exit:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        pytest.fail(
            f"{block.where}: exit {done.returncode}, expected {block.expected_exit}\n"
            f"--- block ---\n{block.text}--- output (last lines) ---\n{tail}",
            pytrace=False,
        )
