"""The project config: found upwards, precedence flags > environment > file > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.config import DEFAULT_DB, ConfigError, Origin, find_config, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path, env={})
    assert config.file is None
    assert config.judge.value == "auto" and config.judge.origin is Origin.DEFAULT
    assert config.db.value == DEFAULT_DB
    assert config.format.value == "table"
    assert config.model.value is None


def test_pyproject_found_upwards_with_lines(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.other]\njudge = "no"\n\n'
        '[tool.constitution]\njudge = "local"\ndb = "store/r.db"\n',
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    config = load_config(deep, env={})
    assert config.file == pyproject.resolve()
    assert config.judge.value == "local"
    assert config.judge.source == f"{pyproject.resolve()}:8"
    assert config.db.value == (tmp_path / "store" / "r.db").resolve()
    assert config.db.origin is Origin.FILE


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    outer = write(tmp_path / "constitution.toml", 'format = "json"\n')
    write(tmp_path / "inner" / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path / "inner") == outer.resolve()
    assert load_config(tmp_path / "inner", env={}).format.value == "json"


def test_constitution_toml_wins_in_the_same_directory(tmp_path: Path) -> None:
    own = write(tmp_path / "constitution.toml", 'judge = "cascade"\n')
    write(tmp_path / "pyproject.toml", '[tool.constitution]\njudge = "local"\n')
    assert find_config(tmp_path) == own.resolve()


def test_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    write(tmp_path / "constitution.toml", 'judge = "local"\nmodel = "m-file"\n')
    config = load_config(tmp_path, env={"CONSTITUTION_MODEL": "m-env"})
    assert config.judge.value == "local"
    assert (config.model.value, config.model.source) == ("m-env", "CONSTITUTION_MODEL")
    flagged = config.with_flags(model="m-flag", judge=None, db="x.db")
    assert (flagged.model.value, flagged.model.source) == ("m-flag", "--model")
    assert flagged.judge.value == "local"
    assert flagged.db.value == Path("x.db") and flagged.db.origin is Origin.FLAG


def test_sections_are_kept_for_other_tools(tmp_path: Path) -> None:
    write(tmp_path / "constitution.toml", 'judge = "local"\n[pytest]\nconstitution = "c.yaml"\n')
    config = load_config(tmp_path, env={})
    assert config.section("pytest") == {"constitution": "c.yaml"}
    assert config.section("absent") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('judge = "local"\njudeg = "x"\n', ":2: unknown setting 'judeg'"),
        ("model = 3\n", ":1: model must be a non-empty string"),
        ("judge = \n", "not valid TOML"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / "constitution.toml", text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, env={})
