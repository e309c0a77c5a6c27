"""Hostile constitution files end in one located error, in bounded time and memory."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from constitution._fastyaml import MAX_ALIAS_NODES, MAX_DEPTH, load_positioned
from constitution.errors import ConstitutionLoadError
from constitution.formatting import format_yaml_text
from constitution.importer import import_spec
from constitution.load import MAX_FILE_BYTES, load_constitution, project_root

HEAD = "constitution: 1\nid: t\ntitle: T\nversion: 1.0.0\n"
PRINCIPLE = "  - id: a.one\n    title: One\n    statement: Do one.\n"


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def errors_of(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(ConstitutionLoadError) as info:
        load_constitution(path, **kwargs)  # type: ignore[arg-type]
    return [str(d) for d in info.value.diagnostics]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_billion_laughs_is_refused_quickly_at_the_alias(tmp_path: Path) -> None:
    path = write(tmp_path, "laughs.yaml", billion_laughs())
    started = time.perf_counter()
    errors = errors_of(path)
    assert time.perf_counter() - started < 1
    assert errors == [
        f"{path}:6:8: error: invalid YAML: aliases expand to more than {MAX_ALIAS_NODES} "
        "nodes (refused: too large)"
    ]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_flow_nesting_is_refused_before_the_parser_recurses(
    tmp_path: Path, depth: int
) -> None:
    path = write(tmp_path, "deep.yaml", "a: " + "[" * depth + "]" * depth + "\n")
    started = time.perf_counter()
    errors = errors_of(path)
    assert time.perf_counter() - started < 1
    column = 3 + MAX_DEPTH  # the 100th bracket opens level 101 (the top mapping is 1)
    assert errors == [f"{path}:1:{column}: error: invalid YAML: nested more than 100 levels deep"]


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.yaml", "a:\n" + "- " * 50_000 + "x\n")
    assert "nested more than 100 levels deep" in errors_of(path)[0]


def test_nesting_at_the_limit_loads() -> None:
    depth = MAX_DEPTH - 1  # the top mapping is one level
    tree = load_positioned("a: " + "[" * depth + "]" * depth + "\n")
    assert isinstance(tree["a"], list)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &m {self: *m}\n", "1:14: error: invalid YAML: alias *m is inside its own anchor"),
        ("a: &m [1, [2, *m]]\n", "1:15: error: invalid YAML: alias *m is inside its own anchor"),
        ("a: *nothing\n", "1:4: error: invalid YAML: found undefined alias *nothing"),
    ],
)
def test_bad_aliases_are_located(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "alias.yaml", text)
    assert errors_of(path)[0].startswith(f"{path}:{message}")


def test_an_alias_cannot_nest_past_the_limit(tmp_path: Path) -> None:
    deep = "[" * 60 + "]" * 60
    path = write(tmp_path, "alias.yaml", f"a: &d {deep}\nb: " + "[" * 50 + "*d" + "]" * 50 + "\n")
    assert "alias *d nests more than 100 levels deep" in errors_of(path)[0]


def test_modest_aliases_still_load() -> None:
    tree = load_positioned("base: &b {x: 1}\nother: *b\n")
    assert tree["other"] == {"x": 1}


def test_unterminated_string_is_reported_where_it_opens(tmp_path: Path) -> None:
    path = write(tmp_path, "open.yaml", 'id: x\ntitle: "abc\nversion: 1\n' + "x: y\n" * 20)
    (error,) = errors_of(path)
    assert error.startswith(f"{path}:2:8: error: invalid YAML: found unexpected end of stream")
    assert "quoted scalar that starts here" in error


def test_nul_byte_is_reported_at_its_place(tmp_path: Path) -> None:
    path = write(tmp_path, "nul.yaml", 'id: x\ntitle: abc\nversion: "1"\n  foo\x00bar\n')
    assert errors_of(path) == [
        f"{path}:4:6: error: invalid YAML: unacceptable character U+0000: "
        "control characters are not allowed"
    ]


def test_fmt_refuses_hostile_files_before_the_round_trip_loader() -> None:
    text = "a: " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(ConstitutionLoadError, match="nested more than 100 levels deep"):
        format_yaml_text(text, source="deep.yaml")
    with pytest.raises(ConstitutionLoadError, match="refused: too large"):
        format_yaml_text(billion_laughs(), source="laughs.yaml")


# -- include and extends stay in the project ------------------------------------------


def test_include_outside_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    main = write(
        project,
        "main.yaml",
        HEAD + "include:\n  - /etc/passwd\n  - ../outside.yaml\nprinciples:\n" + PRINCIPLE,
    )
    write(tmp_path, "outside.yaml", "principles: []\n")
    errors = errors_of(main)
    assert errors[0].startswith(f"{main}:6:3: error: include: /etc/passwd is an absolute path")
    assert errors[1].startswith(
        f"{main}:7:3: error: include: ../outside.yaml is a path outside the project"
    )
    assert all("--allow-outside" in e for e in errors)


def test_allow_outside_lets_a_directory_in(tmp_path: Path) -> None:
    project = tmp_path / "project"
    main = write(project, "main.yaml", HEAD + "include:\n  - ../shared/more.yaml\n")
    write(tmp_path, "shared/more.yaml", "principles:\n" + PRINCIPLE)
    doc = load_constitution(main, allow_outside=[tmp_path / "shared"])
    assert [p.id for p in doc.principles] == ["a.one"]


def test_the_project_is_the_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    main = write(tmp_path, "policies/main.yaml", HEAD + "extends: ../base/base.yaml\n")
    write(tmp_path, "base/base.yaml", HEAD.replace("id: t", "id: b") + "principles:\n" + PRINCIPLE)
    assert project_root(main) == tmp_path.resolve()
    assert [p.id for p in load_constitution(main).principles] == ["a.one"]


def test_a_symlink_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write(tmp_path, "secret/more.yaml", "principles:\n" + PRINCIPLE)
    (project / "link").symlink_to(tmp_path / "secret")
    main = write(project, "main.yaml", HEAD + "include:\n  - link/more.yaml\n")
    assert "is a path outside the project" in errors_of(main)[0]


def test_special_files_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.yaml")
    main = write(tmp_path, "main.yaml", HEAD + "include:\n  - fifo.yaml\n")
    started = time.perf_counter()
    errors = errors_of(main)
    assert time.perf_counter() - started < 1
    fifo = tmp_path / "fifo.yaml"
    assert errors == [f"{main}:6:3: error: not a regular file (a device, FIFO or socket): {fifo}"]


def test_dev_zero_is_refused_even_when_allowed(tmp_path: Path) -> None:
    main = write(tmp_path, "main.yaml", HEAD + "include:\n  - /dev/zero\n")
    errors = errors_of(main, allow_outside=["/dev"])
    assert errors == [
        f"{main}:6:3: error: not a regular file (a device, FIFO or socket): /dev/zero"
    ]


def test_oversized_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    main = write(tmp_path, "main.yaml", HEAD + "include:\n  - big.yaml\n")
    assert errors_of(main)[0].startswith(f"{main}:6:3: error: larger than 16 MiB")


def test_a_cycle_through_a_symlinked_directory_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path)
    main = write(tmp_path, "main.yaml", HEAD + "extends: loop/main.yaml\n")
    errors = errors_of(main)
    assert len(errors) == 1
    assert "cyclic extends" in errors[0]


# -- Markdown front matter and imported specs ------------------------------------------


def test_markdown_front_matter_has_the_same_limits(tmp_path: Path) -> None:
    front = "id: " + "[" * 100_000 + "]" * 100_000
    path = write(tmp_path, "deep.md", f"---\n{front}\n---\n\n# Rules\n")
    assert errors_of(path)[0] == (
        f"{path}:2:104: error: invalid YAML: nested more than 100 levels deep"
    )
    path = write(tmp_path, "laughs.md", f"---\n{billion_laughs()}---\n\n# Rules\n")
    assert errors_of(path)[0].startswith(f"{path}:7:8: error: invalid YAML: aliases expand")


def test_imported_spec_front_matter_is_bounded() -> None:
    result = import_spec(f"---\n{billion_laughs()}---\n\n# Spec\n\n## Rule\n\nDo.\n", source="s.md")
    assert str(result.warnings[0]) == (
        "s.md:7:1: warning: front matter is not valid YAML, ignored: aliases expand to more "
        f"than {MAX_ALIAS_NODES} nodes (refused: too large)"
    )
