"""Scrubbing secrets: configured and registered keys, and anything shaped like a key."""

from __future__ import annotations

import time

import pytest

from checker.secrets import REDACTED, register_secret, scrub_secrets


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("name", ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"])
def test_configured_keys_are_scrubbed_whatever_their_shape(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "plainpassword42")
    assert scrub_secrets("bad key plainpassword42 sent") == f"bad key {REDACTED} sent"


def test_a_key_passed_in_is_scrubbed_once_registered() -> None:
    register_secret("hunter2-but-longer")
    assert scrub_secrets("got hunter2-but-longer") == f"got {REDACTED}"


def test_short_values_are_never_scrubbed_verbatim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    assert scrub_secrets("a test of the test") == "a test of the test"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("invalid x-api-key: sk-ant-api03-abcdefghijklmnop", f"invalid x-api-key: {REDACTED}"),
        ("key sk-proj-ABCDEFGHIJ0123456789xyz rejected", f"key {REDACTED} rejected"),
        ("Authorization: Bearer eyJhbGciOi.J9x1-2_3", f"Authorization: {REDACTED}"),
        ('{"token": "a8F3kQ9zL2mN7pR4tV6wX1yB5cD0eG"}', f'{{"token": "{REDACTED}"}}'),
        ("api_key=Zk39Qm28Xn47Wb56Vc10Lp93Rt", f"api_key={REDACTED}"),
    ],
)
def test_key_shaped_text_is_scrubbed(text: str, expected: str) -> None:
    assert scrub_secrets(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "500 api_error: Internal server error",
        "Bearer authentication failed",
        "the token budget was exceeded after 4096 output tokens",
        "key: principle-harm-self-harm-and-others",  # long, but words, not a generated token
        "sk-short",
        "task-ant-colony-simulation-settings",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub_secrets(text) == text


def test_scrubbing_long_hostile_text_stays_fast() -> None:
    started = time.perf_counter()
    for text in ("key" + " " * 200_000 + "x", "bearer " * 50_000, "token: " + "ab1" * 50_000):
        scrub_secrets(text)
    assert time.perf_counter() - started < 2.0
