"""The pytest plugin (entry point ``pytest11``): "this reply complies with our constitution".

::

    def test_refund_reply(constitution_checker):
        reply = my_bot("Can I return this after 60 days?")
        constitution_checker.assert_complies(reply, "support.refund-policy", prompt="...")

Fixtures (all session-scoped): ``constitution_checker`` (grades and asserts),
``constitution_document`` (the loaded constitution), ``constitution_judge``,
``constitution_store``. A judgment goes through the results store, so re-running an
unchanged suite asks the judge nothing. A violation or a judge error fails the test
with the principle id, the rationale and the evidence; an abstention skips it.

Settings, strongest first: environment variable, ini option (``[tool.pytest.ini_options]``
or ``pytest.ini``), the project config (``[tool.constitution]`` or ``constitution.toml``:
``judge``, ``model``, ``db``, and ``constitution`` in its ``pytest`` table)::

    constitution_file   CONSTITUTION_FILE   the constitution (relative to the rootdir)
    constitution_judge  CONSTITUTION_JUDGE  a registered judge, or auto (the default:
                                            local when no key is set)
    constitution_model  CONSTITUTION_MODEL  the judge's model
    constitution_db     CONSTITUTION_DB     the store (default .constitution/results.db
                                            under the rootdir)

This module loads in every pytest run of every project that installs us: it imports
nothing heavy and prints nothing until a ``constitution_`` fixture is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from checker.integrations.pytest_checker import ConstitutionChecker

SETTINGS = (
    ("file", "CONSTITUTION_FILE", "the constitution file (relative to the rootdir)"),
    ("judge", "CONSTITUTION_JUDGE", "the judge: a registered name, or auto (default)"),
    ("model", "CONSTITUTION_MODEL", "the judge's model (default: the judge's)"),
    ("db", "CONSTITUTION_DB", "the results store (default: .constitution/results.db)"),
)
"""(ini option after ``constitution_``, environment variable, help) for each setting."""

_CHECKER = pytest.StashKey["ConstitutionChecker"]()


@dataclass(frozen=True)
class PluginSettings:
    file: Path | None
    judge: str
    model: str | None
    db: Path


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, env, text in SETTINGS:
        parser.addini(f"constitution_{name}", f"constitution: {text} (env {env})", default=None)


def read_settings(config: pytest.Config) -> PluginSettings:
    """The plugin's settings: environment variable, else ini option, else the project config
    (``[tool.constitution]`` or ``constitution.toml``; the file from its ``pytest`` table's
    ``constitution`` key), else the default."""
    from checker.config import Origin, load_config

    root = Path(config.rootpath)
    project = load_config(root)
    ini = {name: config.getini(f"constitution_{name}") or None for name, _, _ in SETTINGS}
    env = {name: os.environ.get(variable) or None for name, variable, _ in SETTINGS}

    def chosen(name: str) -> Any:
        setting = getattr(project, name)
        if setting.origin is Origin.ENV:
            return setting.value
        return ini[name] or (setting.value if setting.origin is Origin.FILE else None)

    file = env["file"] or ini["file"]
    if file is None and project.file is not None:
        listed = project.section("pytest").get("constitution")
        file = str(project.file.parent / listed) if isinstance(listed, str) else None
    db = chosen("db")
    return PluginSettings(
        file=root / file if file else None,
        judge=chosen("judge") or "auto",
        model=chosen("model"),
        db=root / db if db else root / ".constitution" / "results.db",
    )


@pytest.fixture(scope="session")
def constitution_checker(request: pytest.FixtureRequest) -> Iterator[ConstitutionChecker]:
    """Grades transcripts or replies, and asserts that they comply (see the module doc)."""
    from checker.errors import CheckerError
    from checker.integrations.pytest_checker import ConstitutionChecker

    try:
        settings = read_settings(request.config)
    except CheckerError as exc:  # a bad project config file: file:line and why
        pytest.fail(f"constitution: {exc}", pytrace=False)
    checker = ConstitutionChecker(settings.file, settings.judge, settings.model, settings.db)
    request.config.stash[_CHECKER] = checker
    try:
        yield checker
    finally:
        checker.close()


@pytest.fixture(scope="session")
def constitution_document(constitution_checker: ConstitutionChecker) -> Any:
    """The configured constitution, loaded (a :class:`constitution.Constitution`)."""
    return constitution_checker.constitution


@pytest.fixture(scope="session")
def constitution_judge(constitution_checker: ConstitutionChecker) -> Any:
    """The configured judge (a :class:`checker.Judge`), closed at the end of the session."""
    return constitution_checker.judge


@pytest.fixture(scope="session")
def constitution_store(constitution_checker: ConstitutionChecker) -> Any:
    """The results store (a :class:`checker.Store`) every judgment goes through."""
    return constitution_checker.store


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    checker = config.stash.get(_CHECKER, None)
    if checker is not None and checker.tally.checks:
        terminalreporter.write_line(f"constitution: {checker.tally.summary()}")
