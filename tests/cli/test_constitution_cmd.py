"""validate, show, lint, schema and new, through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli._app import app
from tests.cli.conftest import RunCli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GENERAL = str(FIXTURES / "general-assistant.yaml")


def test_every_command_has_help_text() -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help, f"command {name!r} has no help text"


def test_validate_ok(run_cli: RunCli) -> None:
    result = run_cli("validate", GENERAL)
    assert result.code == 0
    assert result.err.endswith("general-assistant.yaml: ok (16 principles, version 1.3.0)\n")


def test_validate_error_exit_2_no_traceback(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: t\ntitle: T\nversion: 1.0.0\nprinciples:\n  - {id: X, title: t}\n")
    result = run_cli("validate", str(bad))
    assert result.code == 2
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [
        f"{bad}:5:5: error: principle 'X' is missing required key 'statement'",
        f"{bad}:5:10: error: principle 'X': id: bad id 'X': use lowercase dotted words such as"
        " 'harm.self-harm' (letters, digits, '-' and '_', separated by '.')",
    ]


def test_show_json(run_cli: RunCli) -> None:
    result = run_cli("show", GENERAL, "--format", "json")
    data = json.loads(result.out)
    assert data["schema_version"] == 1
    first = data["principles"][0]
    assert {"id", "version", "title", "statement", "tier", "kind", "source"} <= set(first)
    assert first["id"] == "safety.oversight"
    assert first["source"]["line"] == 27


def test_show_tree(run_cli: RunCli) -> None:
    result = run_cli("show", GENERAL)
    assert "safety > ethics > guidelines > helpfulness" in result.out
    assert "honesty.no-deception v3" in result.out


def test_lint_against_older_file(run_cli: RunCli) -> None:
    v1, v2 = FIXTURES / "revisions" / "v1.yaml", FIXTURES / "revisions" / "v2.yaml"
    result = run_cli(
        "lint",
        str(v2),
        "--against",
        str(v1),
        "--disable",
        "missing-examples",
        "--disable",
        "few-examples-for-local-judge",
    )
    assert result.code == 0
    assert result.out.count("[version-not-bumped]") == 3
    assert result.err.strip() == "3 warning(s)"
    strict = run_cli("lint", str(v2), "--against", str(v1), "--strict")
    assert strict.code == 1


def test_lint_unknown_rule(run_cli: RunCli) -> None:
    result = run_cli("lint", GENERAL, "--disable", "nonsense")
    assert result.code == 2
    assert result.err.strip() == "error: unknown lint rule(s): nonsense"


def test_schema_is_json(run_cli: RunCli) -> None:
    schema = json.loads(run_cli("schema").out)
    assert schema["title"] == "Constitution"


def test_new_writes_a_valid_starter(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    assert run_cli("new", "--out", str(out)).code == 0
    assert "# A starter constitution" in out.read_text()
    assert run_cli("validate", str(out)).code == 0
    assert run_cli("lint", str(out)).err.strip() == "0 warning(s)"
    assert run_cli("new", "--out", str(out)).code == 2


@pytest.mark.parametrize("missing", ["nope.yaml"])
def test_missing_file(run_cli: RunCli, missing: str, tmp_path: Path) -> None:
    result = run_cli("show", str(tmp_path / missing))
    assert result.code == 2
    assert result.err.strip() == f"error: {tmp_path / missing}: no such file or directory"


def test_allow_outside_option(tmp_path: Path, run_cli: RunCli) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "more.yaml").write_text(
        "principles:\n  - id: a.one\n    title: One\n    statement: Do one.\n"
    )
    main = project / "main.yaml"
    main.write_text(
        "constitution: 1\nid: t\ntitle: T\nversion: 1.0.0\ninclude:\n  - ../shared/more.yaml\n"
    )
    refused = run_cli("validate", str(main))
    assert refused.code == 2
    assert f"{main}:6:3: error: include: ../shared/more.yaml is a path outside" in refused.err
    allowed = run_cli("--allow-outside", str(tmp_path / "shared"), "validate", str(main))
    assert allowed.code == 0, allowed.err
    assert run_cli("validate", str(main)).code == 2  # the option does not outlive its run


def test_the_starter_passes_a_local_selftest(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    assert run_cli("new", "--out", str(out)).code == 0
    result = run_cli(
        "selftest", str(out), "--judge", "local", "--db", str(tmp_path / "r.db"), "--format", "json"
    )
    assert result.code == 0, result.out
    document = json.loads(result.out)
    assert document["prompt_version"].endswith("(leave-one-out)")
    assert document["passed"] and not document["failed"]
    assert "helpful.no-needless-refusal" not in document["untested"]
