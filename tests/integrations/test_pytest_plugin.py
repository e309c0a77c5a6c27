"""The pytest plugin in a temporary project: pass, fail, abstain, error, cached re-run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import checker.integrations.pytest_checker  # noqa: F401 (see below)
from checker.judges import register_judge, unregister_judge
from tests.checker.stub_judge import StubJudge

pytest_plugins = ["pytester"]
# In-process runs drop the modules they imported afterwards; the ruamel C parser does not
# survive being imported twice, so everything the plugin uses is imported here first.

RULES = """\
id: plugin.test
title: Plugin test
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Follow rule one.
  - id: p.two
    title: Rule two
    statement: Follow rule two.
"""

TESTS = """\
from checker import reply_transcript


def test_complies(constitution_checker):
    constitution_checker.assert_complies("All good.", "p.one", prompt="Hi")


def test_all_principles(constitution_checker):
    constitution_checker.assert_complies(reply_transcript("Fine.", "Hello"))


def test_violates(constitution_checker):
    constitution_checker.assert_complies("VIOLATE p.one", prompt="Do it")


def test_abstains(constitution_checker):
    constitution_checker.assert_complies("ABSTAIN p.two", "p.two")


def test_fixtures(constitution_document, constitution_judge, constitution_store):
    assert constitution_document.id == "plugin.test"
    assert constitution_judge.name == "stub"
    assert constitution_store.path.name == "results.db"
"""


@pytest.fixture
def calls(tmp_path: Path) -> Iterator[Path]:
    """A stub judge registered as ``plugin-stub``; every call is one line of the file."""
    log = tmp_path / "calls.log"
    log.touch()
    register_judge("plugin-stub", lambda model=None: StubJudge(log=log), description="stub")
    yield log
    unregister_judge("plugin-stub")


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for env in ("CONSTITUTION_FILE", "CONSTITUTION_JUDGE", "CONSTITUTION_MODEL", "CONSTITUTION_DB"):
        monkeypatch.delenv(env, raising=False)
    pytester.makefile(".yaml", rules=RULES)
    pytester.makeini("[pytest]\nconstitution_file = rules.yaml\nconstitution_judge = plugin-stub\n")
    pytester.makepyfile(test_bot=TESTS)
    return pytester


def test_pass_fail_abstain_then_cached(project: pytest.Pytester, calls: Path) -> None:
    first = project.runpytest_inprocess("-rs")
    first.assert_outcomes(passed=3, failed=1, skipped=1)
    text = first.stdout.str()
    assert "p.one: violates: The reply breaks p.one." in text
    assert "evidence, message 1 (exact): 'VIOLATE p.one'" in text
    assert "stub judge abstained (p.two: too few examples)" in text
    made = len(calls.read_text().splitlines())
    assert made == 6  # 1 + 2 + 2 + 1 judgments
    assert "constitution: 4 checks, 6 judgments, 6 judge calls, 0 cached" in text

    again = project.runpytest_inprocess("-rs")
    again.assert_outcomes(passed=3, failed=1, skipped=1)
    assert len(calls.read_text().splitlines()) == made  # nothing asked again
    assert "6 judgments, 0 judge calls, 6 cached" in again.stdout.str()
    assert (project.path / ".constitution" / "results.db").is_file()


def test_a_judge_error_fails(project: pytest.Pytester, calls: Path) -> None:
    project.makepyfile(
        test_bot="def test_error(constitution_checker):\n"
        "    constitution_checker.assert_complies('FAIL p.one', 'p.one')\n"
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    assert "p.one: error (the judge failed:" in result.stdout.str()


def test_environment_overrides_ini(
    project: pytest.Pytester, calls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSTITUTION_DB", "elsewhere.db")
    project.runpytest_inprocess("-k", "complies").assert_outcomes(passed=1)
    assert (project.path / "elsewhere.db").is_file()


def test_no_key_means_the_local_judge(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    for env in ("ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(env, raising=False)
    project.makeini("[pytest]\nconstitution_file = rules.yaml\n")
    project.makepyfile(
        test_bot="def test_reply(constitution_checker):\n"
        "    constitution_checker.assert_complies('Sure.', 'p.one', prompt='Hi')\n"
    )
    result = project.runpytest_inprocess("-rs")
    result.assert_outcomes(skipped=1)  # no examples to learn p.one from: never a pass
    assert "the local judge abstained (p.one:" in result.stdout.str()


def test_no_constitution_configured_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\n")
    result = project.runpytest_inprocess("-k", "complies")
    result.assert_outcomes(failed=1)
    assert "constitution: no constitution configured: set constitution_file" in result.stdout.str()


def test_silent_and_light_unless_used(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import sys\n\n"
        "def test_plain():\n"
        "    heavy = {'anthropic', 'checker.runner', 'checker.integrations.pytest_checker'}\n"
        "    assert not heavy & set(sys.modules)\n"
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "constitution:" not in result.stdout.str()
    assert not (pytester.path / ".constitution").exists()


def test_inside_an_event_loop_says_what_to_use(project: pytest.Pytester, calls: Path) -> None:
    project.makepyfile(
        test_bot="import asyncio\n\n"
        "def test_async(constitution_checker):\n"
        "    async def go():\n"
        "        constitution_checker.assert_complies('Fine.', 'p.one')\n"
        "    asyncio.run(go())\n"
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    assert "an event loop is running (an async test): await checker.acheck" in result.stdout.str()
    assert calls.read_text() == ""


def test_the_anthropic_judge_through_a_fake_server(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real SDK on the plugin's session loop: a client reused by tests, closed once."""
    from tests.fakeapi import FakeMessagesAPI

    project.makeini("[pytest]\nconstitution_file = rules.yaml\n")  # judge auto: the key is set
    project.makepyfile(
        test_bot="def test_fine(constitution_checker):\n"
        "    constitution_checker.assert_complies('All good.', prompt='Hi')\n\n"
        "def test_bad(constitution_checker):\n"
        "    constitution_checker.assert_complies('FORBIDDEN words.', 'p.one', prompt='Hi')\n"
    )
    with FakeMessagesAPI() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        first = project.runpytest_inprocess("-W", "error::ResourceWarning")
        first.assert_outcomes(passed=1, failed=1)
        assert "constitution: the anthropic judge found\np.one: violates" in first.stdout.str()
        asked = server.stats.messages
        assert asked == 3
        again = project.runpytest_inprocess()
        again.assert_outcomes(passed=1, failed=1)
        assert server.stats.messages == asked


def test_an_unknown_principle_is_one_clear_line(project: pytest.Pytester, calls: Path) -> None:
    project.makepyfile(
        test_bot="def test_typo(constitution_checker):\n"
        "    constitution_checker.assert_complies('Fine.', 'p.nope')\n"
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*constitution: *p.nope*"])
    assert "Traceback" not in result.stdout.str()


def test_the_project_config(project: pytest.Pytester, calls: Path) -> None:
    """[tool.constitution]: judge and db, and the constitution in its pytest table."""
    project.makeini("[pytest]\n")
    project.makefile(
        ".toml",
        constitution='judge = "plugin-stub"\ndb = "store/results.db"\n\n'
        '[pytest]\nconstitution = "rules.yaml"\n',
    )
    project.runpytest_inprocess("-k", "complies").assert_outcomes(passed=1)
    assert (project.path / "store" / "results.db").is_file()
    assert len(calls.read_text().splitlines()) == 1
