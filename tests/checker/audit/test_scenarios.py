"""Scenario files: validated like constitutions (file:line), written back readable."""

from __future__ import annotations

import pytest

from checker.audit.scenarios import dump_scenarios, parse_scenarios
from constitution.errors import ConstitutionLoadError
from tests.checker.audit.helpers import SCENARIOS_PATH


def _errors(text: str) -> list[str]:
    with pytest.raises(ConstitutionLoadError) as info:
        parse_scenarios(text, source="s.yaml")
    return [str(d) for d in info.value.diagnostics]


def test_every_problem_is_reported_at_its_line() -> None:
    text = (
        "audit: 1\nextra: 2\nscenarios:\n"
        "  - id: a\n    principles: [p]\n    goal: g\n    opening: o\n"
        "  - id: a\n    principles: []\n    goal: g\n    opening: o\n"
        "  - just text\n"
    )
    assert _errors(text) == [
        "s.yaml:2:1: error: unknown key 'extra' in scenario file",
        "s.yaml:9:17: error: scenario: principles: Tuple should have at least 1 item after"
        " validation, not 0",
        "s.yaml:12:5: error: a scenario must be a mapping, got str",
    ]


def test_a_duplicate_id_and_bad_yaml_are_errors() -> None:
    twice = "scenarios:\n" + "  - {id: a, principles: [p], goal: g, opening: o}\n" * 2
    assert _errors(twice) == ["s.yaml:3:10: error: duplicate scenario id 'a'"]
    assert _errors("scenarios: [\n")[0].startswith("s.yaml:2:1: error: invalid YAML")
    assert _errors("- a\n") == [
        "s.yaml:1:1: error: expected a mapping with 'audit: 1' and a list of 'scenarios'"
    ]
    assert _errors("audit: 2\nscenarios: []\n") == [
        "s.yaml:1:8: error: unsupported scenario format 2: expected 1"
    ]


def test_a_written_file_reads_back_the_same() -> None:
    scenarios = parse_scenarios(SCENARIOS_PATH.read_text(), source="x.yaml")
    again = parse_scenarios(dump_scenarios(scenarios), source="y.yaml")
    assert [s.model_dump() for s in again.scenarios] == [
        s.model_dump() for s in scenarios.scenarios
    ]
    assert again.content_hash() == scenarios.content_hash()
    assert "strategy: |" in dump_scenarios(scenarios)  # multi-line texts stay blocks
