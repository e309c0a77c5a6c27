"""JSON Schema of the YAML syntax, for editors that validate and complete it."""

from __future__ import annotations

from typing import Any

from constitution.model import FORMAT_VERSION, Kind, Label, Role, Scope, Status

_ID = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$"}
_TEXT = {"type": "string"}


def _enum(values: Any, description: str) -> dict[str, Any]:
    return {"enum": [v.value for v in values], "description": description}


def _obj(props: dict[str, Any], required: list[str], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def constitution_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a YAML constitution file."""
    turn = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "propertyNames": {"enum": [r.value for r in Role]},
        "additionalProperties": _TEXT,
        "description": "One turn: '- user: text'.",
    }
    example = _obj(
        {
            "label": _enum(Label, "How the conversation should be judged."),
            "note": _TEXT,
            "conversation": {"type": "array", "items": turn, "minItems": 1},
        },
        ["label", "conversation"],
    )
    principle = _obj(
        {
            "id": {**_ID, "description": "Stable dotted id, e.g. harm.self-harm."},
            "title": _TEXT,
            "statement": {**_TEXT, "description": "The principle exactly as the judge sees it."},
            "version": {"type": "integer", "minimum": 1},
            "status": _enum(Status, "Only active principles are checked."),
            "tier": {**_ID, "description": "One of the constitution's tiers."},
            "kind": _enum(Kind, "hard: never outweighed; default: adjustable by context."),
            "scope": _enum(Scope, "Which part of the conversation is judged."),
            "overridable": {"type": "boolean"},
            "rubric": _obj({"violates": _TEXT, "complies": _TEXT, "not_applicable": _TEXT}, []),
            "examples": {"type": "array", "items": example},
            "tags": {"type": "array", "items": _TEXT},
            "rationale": _TEXT,
            "changelog": {
                "type": "array",
                "items": _obj(
                    {"version": {"type": "integer", "minimum": 1}, "note": _TEXT, "date": _TEXT},
                    ["version", "note"],
                ),
            },
            "metadata": {"type": "object"},
        },
        ["id", "title", "statement"],
    )
    section: dict[str, Any] = _obj(
        {
            "id": _ID,
            "title": _TEXT,
            "description": _TEXT,
            "principles": {"type": "array", "items": {"$ref": "#/$defs/principle"}},
            "sections": {"type": "array", "items": {"$ref": "#/$defs/section"}},
        },
        ["id", "title"],
    )
    tier = {
        "oneOf": [_ID, _obj({"id": _ID, "title": _TEXT, "description": _TEXT}, ["id"])],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://constitution.dev/schema/constitution-v1.json",
        "title": "Constitution",
        "description": "A constitution file (format version 1).",
        "type": "object",
        "properties": {
            "constitution": {"const": FORMAT_VERSION},
            "id": _ID,
            "title": _TEXT,
            "version": {"type": "string", "description": "Semantic version, e.g. 1.2.0."},
            "description": _TEXT,
            "extends": {**_TEXT, "description": "Path of a base constitution."},
            "include": {"type": "array", "items": _TEXT},
            "tiers": {"type": "array", "items": tier, "description": "Highest priority first."},
            "sections": {"type": "array", "items": {"$ref": "#/$defs/section"}},
            "principles": {"type": "array", "items": {"$ref": "#/$defs/principle"}},
            "lint": _obj(
                {
                    "disable": {"type": "array", "items": _TEXT},
                    "max_statement_chars": {"type": "integer", "minimum": 1},
                },
                [],
            ),
            "metadata": {"type": "object"},
        },
        "required": ["id", "title", "version"],
        "additionalProperties": False,
        "$defs": {"principle": principle, "section": section},
    }
