"""The JSON Schema accepts every fixture and rejects what the loader rejects."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from constitution.schema import constitution_json_schema

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DOCS = [FIXTURES / "general-assistant.yaml", FIXTURES / "support-bot.yaml",
        FIXTURES / "revisions" / "v1.yaml", FIXTURES / "revisions" / "v2.yaml"]  # fmt: skip


def _validator() -> jsonschema.Draft202012Validator:
    schema = constitution_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_fixtures_validate(path: Path) -> None:
    data = YAML(typ="safe").load(path.read_text())
    errors = list(_validator().iter_errors(data))
    assert errors == []


def test_schema_rejects_unknown_keys_and_bad_enums() -> None:
    data = {
        "id": "t", "title": "T", "version": "1.0.0",
        "principles": [{"id": "a.b", "title": "x", "statement": "y", "kind": "soft", "x": 1}],
    }  # fmt: skip
    messages = sorted(e.message for e in _validator().iter_errors(data))
    assert any("'soft' is not one of" in m for m in messages)
    assert any("Additional properties are not allowed ('x'" in m for m in messages)
