"""Lint rules, their codes, and turning them off."""

from __future__ import annotations

from pathlib import Path

from constitution.lint import lint_constitution
from constitution.load import load_constitution, parse_constitution

DOC = """\
id: t
title: T
version: 1.0.0
lint: {max_statement_chars: 60}
principles:
  - id: a.vague
    title: Vague
    statement: Respond appropriately.
  - id: a.long
    title: Long
    statement: This statement goes on and on, far longer than the limit set for this file.
    rationale: Because.
    examples:
      - {label: complies, conversation: [{user: hi}, {assistant: hello}]}
  - id: a.copy
    title: Copy
    statement: respond   APPROPRIATELY.
    rubric: {violates: Rude replies.}
    rationale: Because.
    examples:
      - {label: complies, conversation: [{user: hi}, {assistant: hello}]}
"""


def _codes(text: str, **kwargs: object) -> list[tuple[int, str]]:
    doc = parse_constitution(text, source="t.yaml")
    return [(d.line, d.code) for d in lint_constitution(doc, **kwargs)]  # type: ignore[arg-type]


def test_each_rule_fires_where_expected() -> None:
    assert _codes(DOC) == [
        (6, "missing-examples"),
        (6, "vague-wording"),
        (6, "missing-rationale"),
        (9, "long-statement"),
        (9, "few-examples-for-local-judge"),
        (15, "duplicate-statement"),
        (15, "few-examples-for-local-judge"),
    ]


def test_few_examples_for_local_judge_counts_each_outcome() -> None:
    doc = parse_constitution(DOC, source="t.yaml")
    (first, _) = [d for d in lint_constitution(doc) if d.code == "few-examples-for-local-judge"]
    assert "1 complies and 0 violates examples; the local judge needs 2 of each" in first.message


def test_message_format() -> None:
    doc = parse_constitution(DOC, source="t.yaml")
    first = lint_constitution(doc)[1]
    assert str(first) == (
        "t.yaml:6:5: warning: principle 'a.vague': vague wording 'appropriately' with no"
        " rubric to define it [vague-wording]"
    )


def test_rules_turn_off_in_config_and_by_argument() -> None:
    configured = DOC.replace(
        "lint: {max_statement_chars: 60}",
        "lint: {max_statement_chars: 60, disable: [missing-examples, missing-rationale]}",
    )
    assert _codes(configured, disable=["long-statement", "few-examples-for-local-judge"]) == [
        (6, "vague-wording"),
        (15, "duplicate-statement"),
    ]


def test_version_not_bumped(fixtures_dir: Path) -> None:
    old = load_constitution(fixtures_dir / "revisions" / "v1.yaml")
    new = load_constitution(fixtures_dir / "revisions" / "v2.yaml")
    found = [
        d.message.split("'")[1]
        for d in lint_constitution(new, previous=old)
        if d.code == "version-not-bumped"
    ]
    assert found == ["teaching.age-appropriate", "wellbeing.stress", "wellbeing.no-personal-data"]


def test_bundled_fixtures_are_lint_clean(fixtures_dir: Path) -> None:
    # Most of their principles have too few examples for the local judge (it abstains on
    # them, and selftest lists them as skipped): that rule is checked elsewhere.
    for name in ("general-assistant.yaml", "support-bot.yaml"):
        found = lint_constitution(
            load_constitution(fixtures_dir / name), disable=["few-examples-for-local-judge"]
        )
        assert found == []
