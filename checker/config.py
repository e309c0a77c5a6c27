"""Project configuration: ``[tool.constitution]`` in ``pyproject.toml``, or ``constitution.toml``.

The file is found upwards from a directory, as pytest and ruff find theirs: in each
directory from ``start`` to the filesystem root, ``constitution.toml`` (top-level
keys) wins over a ``pyproject.toml`` that has a ``[tool.constitution]`` table; a
``pyproject.toml`` without that table is passed over. The first found is the one used.

Each setting is a :class:`Setting`: its value and where it came from. Precedence is
command-line flag > environment variable > config file > built-in default::

    config = load_config(Path.cwd()).with_flags(judge="local")
    config.judge.value     # "local"
    config.judge.source    # "--judge"

Keys (``constitution config`` prints them with their sources)::

    judge = "auto"               # CONSTITUTION_JUDGE
    model = "claude-sonnet-5-5"  # CONSTITUTION_MODEL (a model judge's model)
    base-url = "http://..."      # OPENAI_BASE_URL (the openai judge's server)
    db = ".constitution/results.db"   # CONSTITUTION_DB; relative to the config file
    format = "table"             # CONSTITUTION_FORMAT (check and report output)
    input-format = "jsonl"       # CONSTITUTION_INPUT_FORMAT (transcripts; default: detect)

Sub-tables (``[tool.constitution.pytest]``) are kept for the tools that read them
(:meth:`Config.section`); an unknown key is an error naming the file and line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from checker.errors import CheckerError

CONFIG_FILE = "constitution.toml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = ("tool", "constitution")
DEFAULT_DB = Path(".constitution") / "results.db"
"""The store when nothing sets one, relative to the working directory."""

T = TypeVar("T")


class ConfigError(CheckerError):
    """A config file that cannot be read or holds a bad key: ``file:line: ...``."""


class Origin(StrEnum):
    """Where a setting's value came from, strongest first."""

    FLAG = "flag"
    ENV = "environment"
    FILE = "config"
    DEFAULT = "default"


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One effective setting: its value and where it came from."""

    value: T
    origin: Origin
    source: str
    """Human words for the origin: ``--judge``, ``CONSTITUTION_JUDGE``,
    ``/repo/pyproject.toml:12``, or ``default``."""


@dataclass(frozen=True)
class Key:
    """A config key: its name in the file, its environment variable, its flag."""

    attribute: str
    name: str
    env: str
    flag: str
    help: str
    unset: str = "-"
    """What no value means, in words (``the judge's``)."""


KEYS: tuple[Key, ...] = (
    Key("judge", "judge", "CONSTITUTION_JUDGE", "--judge", "the judge (`constitution judges`)"),
    Key("model", "model", "CONSTITUTION_MODEL", "--model", "a model judge's model", "the judge's"),
    Key(
        "base_url", "base-url", "OPENAI_BASE_URL", "--base-url", "the openai judge's server", "none"
    ),
    Key("db", "db", "CONSTITUTION_DB", "--db", "the results store (SQLite)"),
    Key("format", "format", "CONSTITUTION_FORMAT", "--format", "check/report output format"),
    Key(
        "input_format",
        "input-format",
        "CONSTITUTION_INPUT_FORMAT",
        "--input-format",
        "transcript format (default: detected per file)",
        "detected",
    ),
)
"""The one list of settings (file key, environment variable, flag)."""


@dataclass(frozen=True)
class Config:
    """The effective settings, each with its source; ``file`` is the config file used."""

    judge: Setting[str] = Setting("auto", Origin.DEFAULT, "default")
    model: Setting[str | None] = Setting(None, Origin.DEFAULT, "default")
    base_url: Setting[str | None] = Setting(None, Origin.DEFAULT, "default")
    db: Setting[Path] = Setting(DEFAULT_DB, Origin.DEFAULT, "default")
    format: Setting[str] = Setting("table", Origin.DEFAULT, "default")
    input_format: Setting[str | None] = Setting(None, Origin.DEFAULT, "default")
    file: Path | None = None
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def with_flags(self, **flags: Any) -> Config:
        """This config with the command-line flags that were given (None: not given)."""
        changes: dict[str, Any] = {}
        for key in KEYS:
            value = flags.pop(key.attribute, None)
            if value is not None:
                value = Path(value) if key.attribute == "db" else str(value)
                changes[key.attribute] = Setting(value, Origin.FLAG, key.flag)
        if flags:
            raise TypeError(f"unknown settings: {', '.join(sorted(flags))}")
        return replace(self, **changes)

    def settings(self) -> list[tuple[Key, Setting[Any]]]:
        """Every setting in :data:`KEYS` order, with its key."""
        return [(key, getattr(self, key.attribute)) for key in KEYS]

    def section(self, name: str) -> Mapping[str, Any]:
        """A sub-table (``[tool.constitution.<name>]``) for another tool; empty if absent."""
        return self.sections.get(name, {})


def find_config(start: Path) -> Path | None:
    """The config file for ``start``: the nearest upwards, or None."""
    here = start.resolve()
    for directory in (here, *here.parents):
        own = directory / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _tool_table(_read_toml(pyproject)) is not None:
            return pyproject
    return None


def load_config(start: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The settings for a command run in ``start`` (default: the working directory).

    Environment variables override the config file; apply flags with
    :meth:`Config.with_flags`. Raises :class:`ConfigError` for an unreadable file,
    an unknown key or a value of the wrong type.
    """
    environ = os.environ if env is None else env
    path = find_config(start if start is not None else Path.cwd())
    config = Config()
    changes: dict[str, Any] = {}
    if path is not None:
        changes = _file_settings(path)
        config = replace(config, file=path, sections=changes.pop("sections"))
    for key in KEYS:
        value = environ.get(key.env)
        if value:
            typed: Any = Path(value) if key.attribute == "db" else value
            changes[key.attribute] = Setting(typed, Origin.ENV, key.env)
    return replace(config, **changes)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _tool_table(document: dict[str, Any]) -> dict[str, Any] | None:
    table: Any = document
    for part in TOOL_TABLE:
        if not isinstance(table, dict) or part not in table:
            return None
        table = table[part]
    return table if isinstance(table, dict) else None


def _file_settings(path: Path) -> dict[str, Any]:
    """The settings ``path`` sets, as :class:`Setting` objects, and its sub-tables."""
    document = _read_toml(path)
    table = document if path.name == CONFIG_FILE else _tool_table(document) or {}
    text = path.read_text(encoding="utf-8")
    after = 0 if path.name == CONFIG_FILE else _line_of(text, "tool.constitution", 0)
    by_name = {key.name: key for key in KEYS}
    found: dict[str, Any] = {"sections": {}}
    for name, value in table.items():
        where = f"{path}:{_line_of(text, name, after)}"
        if isinstance(value, dict):
            found["sections"][name] = value
            continue
        key = by_name.get(name) or by_name.get(name.replace("_", "-"))
        if key is None:
            known = ", ".join(k.name for k in KEYS)
            raise ConfigError(f"{where}: unknown setting {name!r}: expected one of {known}")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: {name} must be a non-empty string, not {value!r}")
        typed: Any = value
        if key.attribute == "db":
            typed = (path.parent / value).resolve()  # an absolute path stays as it is
        found[key.attribute] = Setting(typed, Origin.FILE, where)
    return found


def _line_of(text: str, name: str, after: int) -> int:
    """The 1-based line after line ``after`` where ``name`` is set or its table starts."""
    pattern = re.compile(rf"^\s*(\"?{re.escape(name)}\"?\s*=|\[[^\]]*\b{re.escape(name)}\s*\])")
    for number, line in enumerate(text.splitlines()[after:], start=after + 1):
        if pattern.match(line):
            return number
    return max(after, 1)


__all__ = [
    "CONFIG_FILE",
    "DEFAULT_DB",
    "KEYS",
    "Config",
    "ConfigError",
    "Key",
    "Origin",
    "Setting",
    "find_config",
    "load_config",
]
