"""The project config as the commands use it: settings, the store path, the judge choice.

Precedence is flag > environment > config file > default (see :mod:`checker.config`);
a command passes the flags it was given (None: not given) and reads the result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer

from checker.config import Config, ConfigError, Origin, load_config
from checker.errors import JudgeConfigError
from checker.judges.registry import (
    AUTO,
    BASE_URL_ENV,
    BASE_URL_OPTION,
    TIMEOUT_OPTION,
    find_judge,
    judge_choices,
    resolve_judge_name,
)

DB_HELP = "Results store (default: the project config's, else .constitution/results.db here)."


def settings(**flags: Any) -> Config:
    """The effective settings for a command run here, with the flags it was given."""
    return load_config(Path.cwd()).with_flags(**flags)


def store_path(db: Path | None) -> Path:
    """The results store: ``--db``, else ``CONSTITUTION_DB``, else the config's, else
    ``.constitution/results.db`` here."""
    return settings(db=db).db.value


def read_store_path(db: Path | None) -> Path | None:
    """The store a reading command (``runs``, ``report``) uses, said on stderr; None
    when it does not exist (it is not created: reading creates nothing)."""
    setting = settings(db=db).db
    where = "" if setting.origin is Origin.DEFAULT else f" (from {setting.source})"
    if not setting.value.exists():
        typer.echo(f"store: {setting.value}{where} does not exist: no runs yet", err=True)
        return None
    typer.echo(f"store: {setting.value}{where}", err=True)
    return setting.value


@dataclass(frozen=True)
class JudgeSettings:
    """What ``build_judge`` needs from the flags, the environment and the config."""

    choice: str
    source: str
    """Where the choice came from (``--judge``, ``CONSTITUTION_JUDGE``, ``file:line``)."""
    model: str | None
    options: dict[str, Any]
    env: dict[str, str]
    """The environment ``auto`` looks at (with the config's base URL)."""
    base_url_source: str | None = None
    """Where the config file sets ``base-url`` (when it does, and nothing overrides it)."""

    def why(self, name: str, reason: str) -> str:
        """Why ``name`` is the judge, in words that name the config where it decided."""
        if self.choice != AUTO and self.source != "--judge":
            return f"judge = {name} in {self.source}"
        if self.base_url_source is not None:
            return reason.replace(f"{BASE_URL_ENV} is", f"base-url in {self.base_url_source} is")
        return reason


def judge_settings(choice: str | None, model: str | None) -> JudgeSettings:
    """The judge to build, its model and the options the config adds.

    The config's ``model`` goes only to judges that call a model (those taking
    ``--timeout``): the local judge's ``--model`` is a file, never a model name.
    """
    config = settings(judge=choice, model=model)
    name = config.judge.value
    if name not in judge_choices():
        known = ", ".join(judge_choices())
        raise JudgeConfigError(
            f"{config.judge.source}: unknown judge {name!r}: expected one of {known}"
        )
    env = dict(os.environ)
    if config.base_url.value is not None:
        env[BASE_URL_ENV] = config.base_url.value
    entry = find_judge(resolve_judge_name(name, env)[0])
    chosen_model = config.model.value
    if config.model.origin is not Origin.FLAG and not entry.takes(TIMEOUT_OPTION):
        chosen_model = None
    options: dict[str, Any] = {}
    if config.base_url.origin is Origin.FILE and entry.takes(BASE_URL_OPTION):
        options[BASE_URL_OPTION] = config.base_url.value
    from_file = config.base_url.source if config.base_url.origin is Origin.FILE else None
    return JudgeSettings(name, config.judge.source, chosen_model, options, env, from_file)


E = TypeVar("E", bound=StrEnum)


def configured_choice(choices: type[E], flag: E | None, attribute: str) -> E | None:
    """``flag`` if given, else the setting ``attribute`` (environment or config) as one
    of ``choices``; a value that is not one of them names where it was set."""
    if flag is not None:
        return flag
    setting = getattr(settings(), attribute)
    if setting.value is None:
        return None
    try:
        return choices(setting.value)
    except ValueError:
        known = ", ".join(member.value for member in choices)
        raise ConfigError(
            f"{setting.source}: {attribute.replace('_', '-')} {setting.value!r} is not one of"
            f" {known} (for this command)"
        ) from None
