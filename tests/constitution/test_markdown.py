"""The Markdown syntax: parsing, exact diagnostics, and YAML -> Markdown -> YAML round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from constitution.errors import ConstitutionLoadError
from constitution.load import load_constitution
from constitution.markdown_syntax import parse_markdown, render_markdown
from constitution.model import Constitution, Kind, Label, Role, Scope, Status
from constitution.yaml_syntax import dump_yaml, parse_yaml

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _is_document(path: Path) -> bool:
    """A constitution with its own id (not a fragment, not some other YAML file)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "constitution: 1" in lines and any(line.startswith("id: ") for line in lines)


# Every constitution document among the fixtures.
DOCUMENTS = sorted(p for p in FIXTURES.rglob("*.yaml") if _is_document(p))
FRAGMENTS = sorted((FIXTURES / "support").glob("*.yaml"))


def content(doc: Constitution) -> dict[str, Any]:
    """Everything but source locations (``source`` fields are excluded from dumps)."""
    return doc.model_dump()


SAMPLE = """---
constitution: 1
id: demo
title: Demo assistant
version: 1.2.0
tiers:
  - id: safety
    title: Broadly safe
  - helpfulness
---

# Honesty {#honesty .section}

Principles about telling the truth.

@HEADING@

The assistant never cites a paper, law or URL it has not seen.

- Quote only what the user supplied
- Say so when unsure

```rubric
violates: A made-up citation.
complies: Real citations, or none.
```

```example label=violates note="Invents a DOI: the note may hold \\"quotes\\"."
user: Give me a source.
assistant: See Smith (2031), doi:10.0000/fake.
  It is a very good paper.
```

```rationale
Made-up sources destroy trust.
```

```changelog
- version: 3
  note: Covers URLs.
  date: 2026-01-05
```

```metadata
owner: trust-team
```

## Short answers {#helpful.short tier=helpfulness status=draft}

Lead with the answer.
""".replace(
    "@HEADING@",
    "## Never invents sources {#honesty.sources version=3 tier=safety kind=hard "
    'scope=conversation tags="citations, research" overridable=false}',
)


def test_parse_sample() -> None:
    doc = parse_markdown(SAMPLE, source="demo.md")
    assert (doc.id, doc.title, doc.version) == ("demo", "Demo assistant", "1.2.0")
    assert [t.id for t in doc.tiers] == ["safety", "helpfulness"]
    assert [(s.id, s.title, s.description) for s in doc.sections] == [
        ("honesty", "Honesty", "Principles about telling the truth.")
    ]
    p = doc.principle("honesty.sources")
    assert (p.version, p.tier, p.kind, p.scope, p.overridable, p.section) == (
        3, "safety", Kind.HARD, Scope.CONVERSATION, False, "honesty",
    )  # fmt: skip
    assert p.tags == ("citations", "research")
    assert p.statement == (
        "The assistant never cites a paper, law or URL it has not seen.\n\n"
        "- Quote only what the user supplied\n- Say so when unsure\n"
    )
    assert p.rubric is not None and p.rubric.violates == "A made-up citation."
    (ex,) = p.examples
    assert ex.label is Label.VIOLATES
    assert ex.note == 'Invents a DOI: the note may hold "quotes".'
    assert [(m.role, m.content) for m in ex.messages] == [
        (Role.USER, "Give me a source."),
        (Role.ASSISTANT, "See Smith (2031), doi:10.0000/fake.\nIt is a very good paper."),
    ]
    assert p.rationale == "Made-up sources destroy trust."
    assert [(c.version, c.date) for c in p.changelog] == [(3, "2026-01-05")]
    assert p.metadata == {"owner": "trust-team"}
    assert p.source is not None and (p.source.file, p.source.line) == ("demo.md", 16)
    assert ex.source is not None and ex.source.line == 28
    short = doc.principle("helpful.short")
    assert (short.status, short.section, short.statement) == (
        Status.DRAFT, "honesty", "Lead with the answer.",
    )  # fmt: skip


def test_sample_round_trips() -> None:
    doc = parse_markdown(SAMPLE, source="demo.md")
    again = parse_markdown(render_markdown(doc), source="again.md")
    assert content(again) == content(doc)
    assert render_markdown(again) == render_markdown(doc)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_yaml_markdown_yaml_is_lossless(path: Path) -> None:
    doc = parse_yaml(path.read_text(encoding="utf-8"), source=str(path))
    markdown = render_markdown(doc)
    from_md = parse_markdown(markdown, source="converted.md")
    assert content(from_md) == content(doc)
    back = parse_yaml(dump_yaml(from_md), source="back.yaml")
    assert content(back) == content(doc)


@pytest.mark.parametrize("path", FRAGMENTS, ids=lambda p: p.name)
def test_fragment_round_trip(path: Path) -> None:
    doc = parse_yaml(path.read_text(encoding="utf-8"), source=str(path), fragment=True)
    markdown = render_markdown(doc, fragment=True)
    assert not markdown.startswith("---")
    again = parse_markdown(markdown, source=str(path), fragment=True)
    assert content(again) == content(doc)


def test_converted_fixture_loads_with_extends(tmp_path: Path) -> None:
    """A Markdown conversion of the support bot loads like the YAML original."""
    for name in ("general-assistant", "support-bot"):
        doc = parse_yaml((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"), source=name)
        (tmp_path / f"{name}.md").write_text(render_markdown(doc), encoding="utf-8")
    (tmp_path / "support").mkdir()
    for frag in FRAGMENTS:  # included files stay YAML: a document may mix both syntaxes
        (tmp_path / "support" / frag.name).write_text(frag.read_text(encoding="utf-8"))
    original = load_constitution(FIXTURES / "support-bot.yaml")
    assert original.extends is not None
    md = (tmp_path / "support-bot.md").read_text(encoding="utf-8")
    md = md.replace(original.extends, original.extends.removesuffix(".yaml") + ".md")
    (tmp_path / "support-bot.md").write_text(md, encoding="utf-8")
    converted = load_constitution(tmp_path / "support-bot.md")
    assert [p.id for p in converted.principles] == [p.id for p in original.principles]


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConstitutionLoadError) as info:
        parse_markdown(text, source="bad.md")
    return [str(d) for d in info.value.diagnostics]


FRONT = "---\nid: demo\ntitle: Demo\nversion: 1.0.0\n---\n\n"

ERROR_CASES = [
    pytest.param(
        "# Title {#a}\n\nText.\n",
        [
            "bad.md:1:1: error: missing front matter: start the file with '---', the document's "
            "id, title and version in YAML, and '---'"
        ],
        id="no-front-matter",
    ),
    pytest.param(
        "---\nid: demo\n",
        ["bad.md:1:1: error: front matter opened with '---' on line 1 is never closed"],
        id="unclosed-front-matter",
    ),
    pytest.param(
        "---\nid: demo\ntitle: Demo\nversion: 1.0.0\nprinciples: []\n---\n",
        [
            "bad.md:5:1: error: unknown key 'principles' in front matter: "
            "sections and principles are headings in Markdown"
        ],
        id="principles-in-front-matter",
    ),
    pytest.param(
        "---\ntitle: Demo\nversion: 1.0.0\n---\n",
        ["bad.md:2:1: error: constitution is missing required key 'id'"],
        id="missing-document-id",
    ),
    pytest.param(
        FRONT + "Intro text.\n\n## A {#a}\n\nText.\n",
        [
            "bad.md:7:1: error: text before the first heading: put document fields in the front "
            "matter and start each section or principle with a heading carrying {#id}"
        ],
        id="preamble",
    ),
    pytest.param(
        FRONT + "## Plain heading\n\nText.\n",
        [
            "bad.md:7:1: error: heading 'Plain heading' has no {#id ...} attributes: every heading "
            "is a section ({#id .section}) or a principle ({#id key=value ...}); import prose "
            "documents with 'constitution import'"
        ],
        id="heading-without-attributes",
    ),
    pytest.param(
        FRONT + "## A {tier=safety}\n\nText.\n",
        ["bad.md:7:1: error: heading 'A' has attributes but no '#id'"],
        id="missing-id",
    ),
    pytest.param(
        FRONT + '## A {#a kind="hard}\n\nText.\n',
        ["bad.md:7:15: error: bad heading attributes: unterminated quoted value"],
        id="unterminated-quote",
    ),
    pytest.param(
        FRONT + "## A {#a colour=red}\n\nText.\n",
        [
            "bad.md:7:10: error: unknown attribute 'colour' on principle heading (allowed: title, "
            "version, tier, kind, scope, status, overridable, tags)"
        ],
        id="unknown-attribute",
    ),
    pytest.param(
        FRONT + "## A {#a .important}\n\nText.\n",
        ["bad.md:7:10: error: unknown class '.important' on heading"],
        id="unknown-class",
    ),
    pytest.param(
        FRONT + "## A {#a kind=sometimes version=two}\n\nText.\n",
        [
            "bad.md:7:10: error: principle 'a': kind: Input should be 'hard' or 'default'",
            "bad.md:7:25: error: principle 'a': version: Input should be a valid integer, unable "
            "to parse string as an integer",
        ],
        id="bad-values",
    ),
    pytest.param(
        FRONT + "## A {#Bad_Id}\n\nText.\n",
        [
            "bad.md:7:7: error: principle 'Bad_Id': id: bad id 'Bad_Id': use lowercase dotted "
            "words such as 'harm.self-harm' (letters, digits, '-' and '_', separated by '.')"
        ],
        id="bad-id",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\n```rubric\nviolates: x\n```\n",
        ["bad.md:7:1: error: principle 'a' has no statement: write its text below the heading"],
        id="no-statement",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```example label=violates\nuser: hi\nbot: hello\n"
        "assistant:no space\n just one space\n```\n",
        [
            "bad.md:13:1: error: unknown role 'bot' (use system, user, assistant or tool)",
            "bad.md:15:1: error: expected a turn such as 'user: Hello', or a continuation line "
            "indented by two spaces",
        ],
        id="bad-turns",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```example note=x\nuser: hi\n```\n",
        [
            "bad.md:11:1: error: example of 'a' needs a label: "
            "label=complies|violates|not_applicable"
        ],
        id="example-without-label",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```example label=maybe colour=red\nuser: hi\n```\n",
        ["bad.md:11:24: error: unknown example attribute 'colour' (allowed: label, note)"],
        id="unknown-example-attribute",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```example label=maybe\nuser: hi\n```\n",
        [
            "bad.md:11:12: error: example of 'a': label: Input should be 'complies', 'violates' "
            "or 'not_applicable'"
        ],
        id="bad-label",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```rubric\nviolates: x\nsometimes: y\n```\n",
        ["bad.md:13:1: error: unknown key 'sometimes' in rubric of 'a'"],
        id="rubric-unknown-key",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```changelog\n- version: 0\n  note: x\n```\n",
        [
            "bad.md:12:12: error: changelog of 'a': version: Input should be greater than or "
            "equal to 1"
        ],
        id="changelog-bad-version",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```rationale\nWhy.\n```\n\nMore text.\n",
        [
            "bad.md:15:1: error: text after the fenced blocks of 'a': the statement goes right "
            "below the heading, before any ```rubric or ```example block"
        ],
        id="text-after-blocks",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n### B {#b}\n\nMore.\n",
        [
            "bad.md:11:1: error: heading nested below principle 'a' (line 7): a principle holds "
            "no headings; use a higher heading level"
        ],
        id="nested-under-principle",
    ),
    pytest.param(
        FRONT + "# S {#s .section}\n\n```rubric\nviolates: x\n```\n",
        [
            "bad.md:9:1: error: a ```rubric block does not belong to section 's' "
            "(allowed: description)"
        ],
        id="rubric-on-section",
    ),
    pytest.param(
        FRONT + "## A {#a}\n\nText.\n\n```statement\nOther.\n```\n",
        ["bad.md:11:1: error: 'a' has both prose and a ```statement block"],
        id="prose-and-statement-block",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ERROR_CASES)
def test_error_messages(text: str, expected: list[str]) -> None:
    assert errors_of(text) == expected


def test_broken_front_matter() -> None:
    # The wording depends on whether ruamel's C parser is installed.
    (error,) = errors_of("---\nid: [demo\n---\n")
    assert error.startswith("bad.md:3:1: error: invalid YAML: ")


def test_all_errors_are_collected() -> None:
    text = FRONT + "## A {#a kind=x}\n\nText.\n\n## B {#b foo=1}\n\nText.\n\n## C\n"
    assert len(errors_of(text)) == 3


def test_fragment_needs_no_front_matter() -> None:
    doc = parse_markdown(
        "# S {#s .section}\n\n## A {#s.a}\n\nText.\n", source="f.md", fragment=True
    )
    assert [p.id for p in doc.principles] == ["s.a"]
    assert doc.principles[0].section == "s"


def test_setext_and_nesting() -> None:
    text = FRONT + (
        "Top {#top .section}\n===\n\n## Inner {#top.inner .section}\n\n### P {#p1}\n\nOne.\n\n"
        "## Q {#q1}\n\nTwo.\n\n# Other {#other .section}\n\n## R {#r1}\n\nThree.\n"
    )
    doc = parse_markdown(text, source="n.md")
    assert [(s.id, s.parent) for s in doc.sections] == [
        ("top", None), ("top.inner", "top"), ("other", None),
    ]  # fmt: skip
    # Principles come in the YAML syntax's order: section by section.
    assert [(p.id, p.section) for p in doc.principles] == [
        ("q1", "top"), ("p1", "top.inner"), ("r1", "other"),
    ]  # fmt: skip


def test_html_comments_between_blocks_are_ignored() -> None:
    text = FRONT + "<!-- draft -->\n\n## A {#a}\n\nText.\n\n```rationale\nWhy.\n```\n\n<!-- x -->\n"
    assert parse_markdown(text, source="c.md").principle("a").statement == "Text."


def test_other_fences_are_part_of_the_statement() -> None:
    text = FRONT + "## A {#a}\n\nRun this:\n\n```python\nprint(1)\n```\n\n```rationale\nWhy.\n```\n"
    p = parse_markdown(text, source="c.md").principle("a")
    assert p.statement == "Run this:\n\n```python\nprint(1)\n```\n"
    assert p.rationale == "Why."


DOCS = Path(__file__).resolve().parents[2] / "docs" / "MARKDOWN.md"


def _doc_blocks() -> list[str]:
    import re

    text = DOCS.read_text(encoding="utf-8")
    return re.findall(r"(?ms)^(`{4,5})markdown\n(.*?)^\1$", text)


def test_docs_complete_example_parses() -> None:
    _, example = _doc_blocks()[0]
    doc = parse_markdown(example, source="MARKDOWN.md")
    assert [p.id for p in doc.principles] == ["honesty.sources", "helpful.direct"]
    sources = doc.principle("honesty.sources")
    assert (sources.version, len(sources.examples), sources.tags) == (
        2, 2, ("citations", "research"),
    )  # fmt: skip
    assert sources.examples[1].messages[1].content == (
        "I don't know of one I can cite with confidence.\n"
        "You could search a library database for recent reviews."
    )


def test_docs_example_block_parses() -> None:
    _, block = _doc_blocks()[1]
    doc = parse_markdown(FRONT + "## A {#a}\n\nText.\n\n" + block, source="MARKDOWN.md")
    (example,) = doc.principle("a").examples
    assert [m.content for m in example.messages] == [
        "Fix this:\n```python\nprint('hi'\n```",
        "A closing parenthesis is missing:\n\n```python\nprint('hi')\n```",
    ]


def test_markdown_fragments_load_through_include(tmp_path: Path) -> None:
    (tmp_path / "main.md").write_text(
        "---\nid: main\ntitle: Main\nversion: 1.0.0\ninclude: [part.md]\n---\n\n"
        "## A {#a}\n\nDo A.\n",
        encoding="utf-8",
    )
    (tmp_path / "part.md").write_text(
        "# Part {#part .section}\n\n## B {#part.b}\n\nDo B.\n", "utf-8"
    )
    doc = load_constitution(tmp_path / "main.md")
    assert [(p.id, p.section) for p in doc.principles] == [("a", None), ("part.b", "part")]


TRICKY_CASES = {
    "braces-in-title": {"title": "Use {placeholders} {#not-an-id} well {"},
    "title-ending-like-attributes": {"title": "Ends with {#x}"},
    "multi-line-title": {"title": "two\nlines"},
    "trailing-whitespace": {"statement": "line one   \nline two\t\n"},
    "leading-spaces": {"statement": "    indented code\nthen text"},
    "heading-in-statement": {"statement": "Intro\n\n## Not a principle {#x}\n\nMore"},
    "fence-in-statement": {"statement": "```rubric\nviolates: x\n```"},
    "unclosed-fence": {"statement": "Text\n\n```python\nprint(1)"},
    "html-comment-start": {"statement": "<!-- not closed\nstill text"},
    "tags-with-commas": {"tags": ("a, b", "[c]", " d ")},
    "rationale-with-backticks": {"rationale": "Use ```` fences ```` and ``` too\n```"},
}


@pytest.mark.parametrize("fields", TRICKY_CASES.values(), ids=TRICKY_CASES.keys())
def test_tricky_text_round_trips(fields: dict[str, Any]) -> None:
    from constitution.model import Principle

    doc = Constitution(
        id="d", title="D", version="1.0.0",
        principles=(Principle(**{"id": "p.one", "title": "T", "statement": "S", **fields}),),
    )  # fmt: skip
    text = render_markdown(doc)
    assert content(parse_markdown(text, source="t.md")) == content(doc)


def test_backticks_inside_examples_use_longer_fences() -> None:
    from constitution.model import Example, ExampleMessage, Principle

    example = Example(
        label=Label.COMPLIES,
        note='He said "use `code`"\nand left.',
        messages=(
            ExampleMessage(role=Role.USER, content="Fix:\n```py\nx = 1\n```\n"),
            ExampleMessage(role=Role.ASSISTANT, content="user: not a turn\n  indented\n\nend"),
        ),
    )
    doc = Constitution(
        id="d", title="D", version="1.0.0",
        principles=(Principle(id="p", title="T", statement="S", examples=(example,)),),
    )  # fmt: skip
    text = render_markdown(doc)
    assert (
        '````example label=complies note="He said \\"use \\u0060code\\u0060\\"\\nand left."' in text
    )
    assert content(parse_markdown(text, source="t.md")) == content(doc)


def test_fence_info_may_use_tabs_and_longer_fences() -> None:
    text = FRONT + "## A {#a}\n\nText.\n\n~~~~example\tlabel=complies\nuser: hi\n~~~~\n"
    (example,) = parse_markdown(text, source="t.md").principle("a").examples
    assert example.label is Label.COMPLIES
