"""Shared test fixtures: paths to bundled fixtures and to the real-world corpora."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPORA = ROOT.parent / "shared" / "corpora"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="run tests that call the real API")
    parser.addoption(
        "--registry", action="store_true", help="run tests that install from the package index"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--registry") or os.environ.get("CONSTITUTION_REGISTRY") == "1":
        return
    skip = pytest.mark.skip(reason="installs from the package index: pass --registry")
    for item in items:
        if "registry" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def corpora_dir() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"real-world corpora not found at {CORPORA}")
    return CORPORA


@pytest.fixture
def fake_api() -> Iterator[Callable[..., Any]]:
    """Start fake Messages API servers on 127.0.0.1: ``api = fake_api(FakeConfig(...))``.

    Point the judge at ``api.base_url``; read ``api.stats`` for counters. See ``tests/fakeapi``.
    """
    from tests.fakeapi import FakeMessagesAPI

    started: list[FakeMessagesAPI] = []

    def start(config: Any = None, **kwargs: Any) -> FakeMessagesAPI:
        api = FakeMessagesAPI(config, **kwargs).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


@pytest.fixture(autouse=True)
def _no_config_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's CONSTITUTION_JUDGE / _DB / _FORMAT / _INPUT_FORMAT do not reach tests
    (CONSTITUTION_MODEL stays: live tests read it)."""
    for name in ("JUDGE", "DB", "FORMAT", "INPUT_FORMAT"):
        monkeypatch.delenv(f"CONSTITUTION_{name}", raising=False)
