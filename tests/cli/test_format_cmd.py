"""fmt and import through the real entry point."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import RunCli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MESSY = "title: M\nid: m\nversion: 1.0.0\nprinciples:\n- statement: S  # why\n  id: p\n  title: P\n"


def test_fmt_check_reports_and_exits_1(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(MESSY, encoding="utf-8")
    result = run_cli("fmt", "--check", str(path))
    assert result.code == 1
    assert result.err == f"{path}: would reformat\n"
    assert path.read_text(encoding="utf-8") == MESSY


def test_fmt_rewrites_in_place_keeping_comments(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(MESSY, encoding="utf-8")
    assert run_cli("fmt", str(path)).err == f"{path}: reformatted\n"
    assert path.read_text(encoding="utf-8") == (
        "id: m\ntitle: M\nversion: 1.0.0\nprinciples:\n"
        "  - id: p\n    title: P\n    statement: S # why\n"
    )
    result = run_cli("fmt", "--check", str(path))
    assert (result.code, result.err) == (0, f"{path}: unchanged\n")


def test_fmt_fixture_is_unchanged(run_cli: RunCli) -> None:
    result = run_cli("fmt", "--check", str(FIXTURES / "general-assistant.yaml"))
    assert result.code == 0


def test_fmt_to_md_then_validate(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "general.yaml"
    path.write_text((FIXTURES / "general-assistant.yaml").read_text("utf-8"), "utf-8")
    result = run_cli("fmt", "--to", "md", str(path))
    assert (result.code, result.err) == (0, f"{tmp_path / 'general.md'}: written from {path}\n")
    result = run_cli("validate", str(tmp_path / "general.md"))
    assert result.code == 0 and "ok (16 principles" in result.err


def test_fmt_bad_file_exits_2_with_every_error(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\nid: b\ntitle: B\nversion: 1.0.0\n---\n## A {#a kind=x foo=1}\n", "utf-8")
    result = run_cli("fmt", str(path))
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{path}:6:1: error: principle 'a' has no statement: write its text below the heading",
        f"{path}:6:10: error: principle 'a': kind: Input should be 'hard' or 'default'",
        f"{path}:6:17: error: unknown attribute 'foo' on principle heading (allowed: title, "
        "version, tier, kind, scope, status, overridable, tags)",
    ]


def test_fmt_out_needs_one_file(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("fmt", "--out", str(tmp_path / "x.md"), "a.yaml", "b.yaml")
    assert (result.code, result.err) == (2, "error: --out takes exactly one input file\n")


def test_import_spec_to_yaml_file(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "spec.yaml"
    spec = FIXTURES / "specs" / "assistant-spec.md"
    result = run_cli("import", str(spec), "--out", str(out))
    assert result.code == 0
    assert result.err == f"{spec}: imported 9 principles in 4 sections -> {out}\n"
    assert run_cli("validate", str(out)).code == 0
    assert "id: safety.mass-harm" in out.read_text(encoding="utf-8")


def test_import_spec_to_markdown_stdout(run_cli: RunCli) -> None:
    spec = FIXTURES / "specs" / "assistant-spec-v2.md"
    result = run_cli("import", str(spec), "--to", "md", "--id", "spec-v2")
    assert result.code == 0
    assert result.out.startswith("---\nconstitution: 1\nid: spec-v2\n")
    assert "{#honesty.no-flattery version=1 tier=honesty" in result.out


def test_import_missing_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("import", str(tmp_path / "nope.md"))
    assert result.code == 2
    assert result.err == f"error: {tmp_path / 'nope.md'}: no such file or directory\n"


def test_import_warnings_go_to_stderr(run_cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "s.md"
    spec.write_text("# S\n\n## A {#Bad.Id}\n\nDo A.\n", encoding="utf-8")
    result = run_cli("import", str(spec))
    assert result.code == 0
    assert result.err.splitlines()[0] == (
        f"{spec}:3:1: warning: anchor '#Bad.Id' is not a valid id; using 'bad.id'"
    )
    assert "id: bad.id" in result.out
