"""validate and lint take include fragments: checked on their own, tiers left to the includer."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import RunCli
from tests.conftest import FIXTURES

REFUNDS = str(FIXTURES / "support" / "refunds.yaml")


def test_validate_a_yaml_fragment_and_its_includer(run_cli: RunCli) -> None:
    result = run_cli("validate", REFUNDS, str(FIXTURES / "support-bot.yaml"))
    assert result.code == 0, result.err
    assert "refunds.yaml: ok (1 principles, fragment)" in result.err
    assert "support-bot.yaml: ok (18 principles, version 0.4.0)" in result.err


def test_a_fragment_still_has_its_own_errors(run_cli: RunCli, tmp_path: Path) -> None:
    part = tmp_path / "part.yaml"
    part.write_text(
        "principles:\n"
        "  - {id: a.b, title: A, statement: S, tier: any}\n"
        "  - {id: a.b, title: A, statement: S}\n"
        "  - {id: a.c, title: C}\n"
    )
    result = run_cli("validate", str(part))
    assert result.code == 2
    duplicate = "part.yaml:3:5: error: duplicate principle id 'a.b' (first defined at line 2)"
    assert duplicate in result.err
    assert "part.yaml:4:5: error: principle 'a.c' is missing required key 'statement'" in result.err
    assert "tier" not in result.err  # the including file has the tiers
    assert "Traceback" not in result.err


def test_a_markdown_fragment_has_no_front_matter(run_cli: RunCli, tmp_path: Path) -> None:
    part = tmp_path / "part.md"
    part.write_text("# Refunds {#refunds .section}\n\n## The policy {#refunds.policy}\n\nSay it.\n")
    result = run_cli("validate", str(part))
    assert result.code == 0, result.err
    assert "part.md: ok (1 principles, fragment)" in result.err


def test_a_document_missing_its_id_is_a_fragment_not_an_error(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """The rule fmt uses: no top-level id means a fragment; a head key gives it away."""
    doc = tmp_path / "doc.yaml"
    doc.write_text("title: T\nversion: 1.0.0\nprinciples:\n  - {id: a.b, title: A, statement: S}\n")
    result = run_cli("validate", str(doc))
    assert result.code == 2
    assert "unknown key 'title' in included file" in result.err


def test_lint_a_fragment(run_cli: RunCli) -> None:
    """A fragment is linted like any file (before, it failed to load)."""
    result = run_cli("lint", "--strict", "--disable", "few-examples-for-local-judge", REFUNDS)
    assert result.code == 0, result.out + result.err
    assert result.err.endswith("0 warning(s)\n")
