"""Every malformed input gives exact, compiler-style messages, all of them at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from constitution.errors import ConstitutionLoadError
from constitution.load import load_constitution

HEAD = "constitution: 1\nid: t\ntitle: T\nversion: 1.0.0\n"

CASES: list[tuple[str, dict[str, str], list[str]]] = [
    (
        "broken-yaml",
        {"main.yaml": "id: x\ntitle: [oops\nversion: 1.0.0\n"},
        [
            "main.yaml:3:8: error: invalid YAML: did not find expected ',' or ']'"
            " (while parsing a flow sequence that starts at line 2)"
        ],
    ),
    (
        "duplicate-yaml-key",
        {"main.yaml": HEAD + "title: again\n"},
        ["main.yaml:5:1: error: invalid YAML: duplicate key 'title' (first defined at line 3)"],
    ),
    (
        "unknown-keys",
        {
            "main.yaml": HEAD + "colour: blue\nprinciples:\n  - id: a.one\n    title: One\n"
            "    statement: Do one.\n    flavour: mint\n"
        },
        [
            "main.yaml:5:1: error: unknown key 'colour' in constitution",
            "main.yaml:10:5: error: unknown key 'flavour' in principle 'a.one'",
        ],
    ),
    (
        "wrong-types-and-bad-ids",
        {
            "main.yaml": "id: t\ntitle: T\nversion: 1.2\nprinciples:\n"
            "  - id: a.one\n    title: One\n    statement: Do one.\n    version: two\n"
            "    kind: soft\n"
            "  - id: Bad Id!\n    title: Two\n    statement: Do two.\n"
            "  - id: a.three\n    title: Three\n"
        },
        [
            "main.yaml:3:10: error: constitution: version: bad version 1.2: expected a semantic"
            " version string such as '1.2.0' (quote it in YAML)",
            "main.yaml:8:14: error: principle 'a.one': version: Input should be a valid integer,"
            " unable to parse string as an integer",
            "main.yaml:9:11: error: principle 'a.one': kind: Input should be 'hard' or 'default'",
            "main.yaml:10:9: error: principle 'Bad Id!': id: bad id 'Bad Id!': use lowercase"
            " dotted words such as 'harm.self-harm' (letters, digits, '-' and '_', separated"
            " by '.')",
            "main.yaml:13:5: error: principle 'a.three' is missing required key 'statement'",
        ],
    ),
    (
        "duplicate-principle-id",
        {
            "main.yaml": HEAD + "principles:\n"
            "  - {id: harm.self-harm, title: A, statement: Do A.}\n"
            "  - {id: harm.other, title: B, statement: Do B.}\n"
            "  - {id: harm.self-harm, title: C, statement: Do C.}\n"
        },
        ["main.yaml:8:5: error: duplicate principle id 'harm.self-harm' (first defined at line 6)"],
    ),
    (
        "unknown-tier",
        {
            "main.yaml": HEAD + "tiers: [safety]\nprinciples:\n"
            "  - {id: a.one, title: A, statement: Do A., tier: nowhere}\n"
        },
        ["main.yaml:7:5: error: principle 'a.one': unknown tier 'nowhere' (tiers: safety)"],
    ),
    (
        "bad-examples",
        {
            "main.yaml": HEAD + "principles:\n  - id: a.one\n    title: One\n"
            "    statement: Do one.\n    examples:\n      - label: maybe\n        conversation:\n"
            "          - user: hi\n          - robot: hello\n      - label: complies\n"
            "        conversation:\n          - user: hi\n            assistant: two keys\n"
        },
        [
            "main.yaml:10:16: error: principle 'a.one': examples.0.label: Input should be"
            " 'complies', 'violates' or 'not_applicable'",
            "main.yaml:13:13: error: principle 'a.one': examples.0.conversation.1.role: Input"
            " should be 'system', 'user', 'assistant' or 'tool'",
            "main.yaml:16:13: error: each conversation turn must be one 'role: text' pair,"
            " e.g. '- user: Hello'",
        ],
    ),
    (
        "not-a-mapping",
        {"main.yaml": "- just\n- a list\n"},
        [
            "main.yaml:1:1: error: expected a mapping with id, title, version and principles,"
            " got a list"
        ],
    ),
    (
        "empty-file",
        {"main.yaml": ""},
        [
            "main.yaml:1:1: error: expected a mapping with id, title, version and principles,"
            " got an empty file"
        ],
    ),
    (
        "cyclic-extends",
        {
            "main.yaml": "id: a\nextends: b.yaml\ntitle: A\nversion: 1.0.0\n",
            "b.yaml": "id: b\nextends: main.yaml\ntitle: B\nversion: 1.0.0\n",
        },
        ["b.yaml:2:1: error: cyclic extends: main.yaml -> b.yaml -> main.yaml"],
    ),
    (
        "missing-extends",
        {"main.yaml": "id: c\nextends: missing.yaml\ntitle: C\nversion: 1.0.0\n"},
        ["main.yaml:2:1: error: no such file: missing.yaml"],
    ),
    (
        "missing-include",
        {"main.yaml": HEAD + "include:\n  - parts/gone.yaml\n"},
        ["main.yaml:6:3: error: no such file: parts/gone.yaml"],
    ),
    (
        "non-overridable",
        {
            "base.yaml": "id: base\ntitle: B\nversion: 1.0.0\nprinciples:\n"
            "  - {id: a.fixed, title: F, statement: Never X., overridable: false}\n",
            "main.yaml": "id: child\ntitle: C\nversion: 1.0.0\nextends: base.yaml\nprinciples:\n"
            "  - {id: a.fixed, title: F, statement: Sometimes X.}\n",
        },
        [
            "main.yaml:6:5: error: principle 'a.fixed' is not overridable in the base constitution"
            " (defined at base.yaml:5)"
        ],
    ),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_file_messages(
    files: dict[str, str], expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConstitutionLoadError) as info:
        load_constitution(Path("main.yaml"))
    assert [str(d) for d in info.value.diagnostics] == expected


def test_missing_file_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConstitutionLoadError) as info:
        load_constitution("nope.yaml")
    assert str(info.value) == "nope.yaml: error: no such file: nope.yaml"
