"""The pre-commit hooks, run by ``pre-commit try-repo`` in a temporary git repository.

pre-commit installs this package (and its dependencies) from the package index into
its own environment, so these tests are opt-in: ``pytest --registry`` (``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.registry

HOOKS = ("constitution-validate", "constitution-lint", "constitution-fmt")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a constitution that extends another and includes a fragment."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    rules = repo / "constitutions"
    (rules / "support").mkdir(parents=True)
    shutil.copy(FIXTURES / "general-assistant.yaml", rules)
    shutil.copy(FIXTURES / "support-bot.yaml", rules)
    shutil.copy(FIXTURES / "support" / "refunds.yaml", rules / "support")
    (repo / "README.md").write_text("Not a constitution: the hooks leave it alone.\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's home: the hook environment is installed once for the module."""
    pytest.importorskip("pre_commit")
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(repo: Path, hook: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(cache),
        "PRE_COMMIT_COLOR": "never",
        "XDG_CACHE_HOME": str(cache / "xdg-cache"),  # pip's cache, when it installs the hooks
    }
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files"]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_hooks_pass_on_good_files_and_fragments(repo: Path, cache: Path) -> None:
    for hook in HOOKS:
        done = _try_repo(repo, hook, cache)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Passed" in done.stdout


def test_hooks_fail_on_bad_files(repo: Path, cache: Path) -> None:
    policy = repo / "constitutions" / "support-bot.yaml"
    policy.write_text(policy.read_text().replace("version: 0.4.0", "version: 0.4"))
    (repo / "constitutions" / "support" / "refunds.yaml").write_text(
        "principles:\n- {id: a.b, title: T, statement: S}\n"
    )
    _git(repo, "add", ".")
    validate = _try_repo(repo, "constitution-validate", cache)
    assert validate.returncode == 1, validate.stdout
    assert "- exit code: 2" in validate.stdout
    assert "support-bot.yaml:6:10: error: constitution: version: bad version 0.4" in validate.stdout
    assert "refunds.yaml: ok (1 principles, fragment)" in validate.stdout
    fmt = _try_repo(repo, "constitution-fmt", cache)
    assert fmt.returncode == 1, fmt.stdout
    assert "refunds.yaml: would reformat" in fmt.stdout
