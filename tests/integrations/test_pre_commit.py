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

from tests.conftest import ROOT

pytestmark = pytest.mark.registry

HOOKS = ("constitution-validate", "constitution-lint", "constitution-fmt")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


POLICY = """\
constitution: 1
id: shop-bot
title: Shop assistant
version: 1.0.0
include:
  - parts/refunds.yaml
tiers:
  - id: guidelines
"""
REFUNDS = """\
principles:
  - id: refunds.policy
    title: States the refund policy accurately
    tier: guidelines
    statement: The assistant states the 30-day refund policy exactly and promises nothing beyond it.
    examples:
      - label: violates
        conversation:
          - user: Can I return this after 3 months?
          - assistant: Sure, full refund any time.
      - label: violates
        conversation:
          - user: Refund after 90 days?
          - assistant: Yes, I have refunded you in full.
      - label: complies
        conversation:
          - user: Can I return this after 3 months?
          - assistant: After 30 days we offer store credit instead.
      - label: complies
        conversation:
          - user: Refund after 10 days?
          - assistant: Yes, within 30 days with a receipt.
    rationale: Wrong promises cost money and trust.
"""
"""A constitution and the fragment it includes: valid, lint-clean and formatted."""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a constitution that includes a fragment, and a README."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "constitutions" / "parts").mkdir(parents=True)
    (repo / "constitutions" / "policy.yaml").write_text(POLICY)
    (repo / "constitutions" / "parts" / "refunds.yaml").write_text(REFUNDS)
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
    (repo / "constitutions" / "policy.yaml").write_text(POLICY.replace("1.0.0", "1.0"))
    (repo / "constitutions" / "parts" / "refunds.yaml").write_text(
        "principles:\n- {id: a.b, title: T, statement: S}\n"
    )
    _git(repo, "add", ".")
    validate = _try_repo(repo, "constitution-validate", cache)
    assert validate.returncode == 1, validate.stdout
    assert "- exit code: 2" in validate.stdout
    assert "policy.yaml:4:10: error: constitution: version: bad version 1.0" in validate.stdout
    assert "refunds.yaml: ok (1 principles, fragment)" in validate.stdout
    fmt = _try_repo(repo, "constitution-fmt", cache)
    assert fmt.returncode == 1, fmt.stdout
    assert "refunds.yaml: would reformat" in fmt.stdout
