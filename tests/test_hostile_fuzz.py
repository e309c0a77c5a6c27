"""Fuzzing every reader through the CLI in a subprocess under memory and CPU limits.

Generated files (hostile fragments, mutations of valid fixtures, random bytes) are
given to ``constitution validate`` (YAML, Markdown) and ``constitution transcripts
stats`` (JSON, JSON lines, CSV, ``.eval``) in one child process per batch, limited by
``resource.setrlimit``. Every file must end in exit 0 or 2, with no traceback, no
signal, in bounded time, and every error must name its file (and line where the
format has lines).
"""

from __future__ import annotations

import io
import json
import re
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
MEMORY_LIMIT = 1 << 30  # address space of the child: 1 GiB
CPU_SECONDS = 120
SECONDS_PER_FILE = 10  # generous: a busy two-core machine; hostile files take well under 1 s
BATCH = settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a subprocess
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_batch(tmp_path: Path, command: list[str], files: list[Path]) -> list[dict[str, object]]:
    child = subprocess.run(
        [sys.executable, "-m", "tests.hostile_child", *command, "--", *map(str, files)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        preexec_fn=_limits,
        timeout=CPU_SECONDS * 2,
        check=False,
    )
    assert child.returncode == 0, f"the child died (signal or crash): {child.stderr[-2000:]}"
    results = [json.loads(line) for line in child.stdout.splitlines()]
    assert len(results) == len(files)
    return results


def check_results(results: list[dict[str, object]], located: Callable[[str, str], bool]) -> None:
    for r in results:
        file = str(r["file"])
        assert not r["traceback"], f"{file}: {r['traceback']}"
        assert r["code"] in (0, 2, None), f"{file}: exit {r['code']}: {r['err']}"
        assert "Traceback" not in str(r["err"]), f"{file}: {r['err']}"
        assert float(str(r["seconds"])) < SECONDS_PER_FILE, f"{file}: {r['seconds']} s"
        if r["code"] == 2:
            errors = [line for line in str(r["err"]).splitlines() if "error" in line]
            assert errors, f"{file}: exit 2 without an error line: {r['err']}"
            for line in errors:
                assert located(line, file), f"{file}: not located: {line}"


# -- inputs ---------------------------------------------------------------------------

YAML_TOKENS = [
    "[", "]", "{", "}", ", ", ": ", " ", "\n", "  ", "- ", "&a ", "*a", "&b ", "*b", '"', "'",
    "|\n", ">\n", "# c", "\x00", "\t", "\x1b", "\u202e", "id", "x", "principles:\n", "? ",
    "---\n", "...\n", "include: [/dev/zero]\n", "extends: ../../etc/passwd\n", "!!str ",
    "\\", "%YAML 1.1\n", "\ufeff", "\r",
]  # fmt: skip
MD_TOKENS = [
    "---\n", "# ", "## ", "{#a.b}", "```yaml\n", "```\n", "- ", "> ", "<!-- ", " -->", "\n",
    "id: x\n", "title: T\n", "version: 1.0.0\n", "[[[[[[", "&a [*a]", "\x00", "**", "|", ":",
]  # fmt: skip


def token_text(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=60).map("".join)


def nested(opening: str, closing: str) -> st.SearchStrategy[str]:
    return st.integers(50, 20_000).map(lambda n: opening * n + closing * n)


def laughs(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*{'a' if i == 1 else f'l{i - 1}'}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@st.composite
def mutated(draw: st.DrawFn, original: bytes, tokens: list[str]) -> bytes:
    """``original`` with a few slices replaced by tokens or random bytes."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = min(len(data), start + draw(st.integers(0, 40)))
        patch = draw(st.sampled_from(tokens).map(str.encode) | st.binary(max_size=12))
        data[start:end] = patch
    return bytes(data)


def yaml_inputs() -> st.SearchStrategy[bytes]:
    original = (FIXTURES / "general-assistant.yaml").read_bytes()
    return st.one_of(
        token_text(YAML_TOKENS).map(str.encode),
        nested("[", "]").map(lambda s: f"a: {s}\n".encode()),
        nested("{a: ", "}").map(lambda s: f"a: {s}\n".encode()),
        st.integers(50, 5000).map(lambda n: ("a:\n" + "- " * n + "x\n").encode()),
        st.integers(2, 12).map(lambda n: laughs(n).encode()),
        mutated(original, YAML_TOKENS),
        st.binary(max_size=200),
    )


def markdown_inputs() -> st.SearchStrategy[bytes]:
    from constitution.load import load_constitution
    from constitution.markdown_render import render_markdown

    original = render_markdown(load_constitution(FIXTURES / "general-assistant.yaml")).encode()
    return st.one_of(
        token_text(MD_TOKENS + YAML_TOKENS).map(str.encode),
        nested("[", "]").map(lambda s: f"---\nid: {s}\n---\n".encode()),
        st.integers(2, 12).map(lambda n: f"---\n{laughs(n)}---\n".encode()),
        st.integers(100, 20_000).map(lambda n: ("> " * n + "x\n").encode()),
        mutated(original, MD_TOKENS),
        st.binary(max_size=200),
    )


JSON_TOKENS = [
    '{"', '"}', "[", "]", "{", "}", ",", ":", '"messages"', '"role"', '"user"', "\n",
    '"content"', '"tool_calls"', '"arguments"', '"\\u0000"', "null", "1e999", "\x00",
]  # fmt: skip


def json_inputs() -> st.SearchStrategy[bytes]:
    original = (FIXTURES / "transcripts" / "openai_chats.jsonl").read_bytes()
    call = (
        '{"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":'
        + "%s}}]}]}"
    )
    return st.one_of(
        token_text(JSON_TOKENS).map(str.encode),
        nested("[", "]").map(lambda s: ('{"messages": [], "x": ' + s + "}\n").encode()),
        nested("[", "]").map(lambda s: (call % json.dumps(s) + "\n").encode()),
        st.integers(50, 900).map(lambda n: (call % ("[" * n + "]" * n) + "\n").encode()),
        mutated(original, JSON_TOKENS),
        st.binary(max_size=200),
    )


CSV_TOKENS = ['"', ",", "\n", "\r", "\x00", "prompt", "response", "id", '""', "\t", "\ufeff"]


def csv_inputs() -> st.SearchStrategy[bytes]:
    original = (FIXTURES / "transcripts" / "dataset.csv").read_bytes()
    return st.one_of(
        token_text(CSV_TOKENS).map(lambda s: ("prompt,response,id\n" + s).encode()),
        mutated(original, CSV_TOKENS),
        st.integers(1, 100_000).map(lambda n: ('prompt,id\n"' + "x" * n).encode()),
        st.binary(max_size=200),
    )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def eval_inputs() -> st.SearchStrategy[bytes]:
    original = (FIXTURES / "transcripts" / "inspect_small.eval").read_bytes()
    header = json.dumps({"eval": {"task": "t"}, "status": "success"}).encode()
    members = st.dictionaries(
        st.sampled_from(["header.json", "samples/1_epoch_1.json", "samples/x_epoch_2.json"]),
        json_inputs() | st.just(b" " * (4 << 20)),
        max_size=3,
    )
    return st.one_of(
        members.map(_zip),
        members.map(lambda m: _zip({"header.json": header, **m})),
        mutated(original, ["PK\x03\x04", "PK\x01\x02", "\x00" * 8, "\xff" * 8]),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    )


# -- the fuzz tests -------------------------------------------------------------------


def write_all(tmp_path: Path, suffix: str, inputs: list[bytes]) -> list[Path]:
    folder = tmp_path / f"batch{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    files = []
    for i, data in enumerate(inputs):
        path = folder / f"f{i}{suffix}"
        path.write_bytes(data)
        files.append(path)
    return files


def line_located(line: str, file: str) -> bool:
    """``file:LINE:`` (or ``file:LINE:COL:``) follows the optional ``error: `` prefix."""
    rest = line.removeprefix("error: ").removeprefix("skipped: ")
    return re.match(r"\S+:[1-9]\d*:", rest) is not None or (
        rest.startswith(file) and "found an empty file" in rest
    )


def file_located(line: str, file: str) -> bool:
    rest = line.removeprefix("error: ").removeprefix("skipped: ")
    return rest.startswith(file)


def fuzz(
    tmp_path: Path,
    inputs: list[bytes],
    suffix: str,
    command: list[str],
    located: Callable[[str, str], bool],
) -> None:
    files = write_all(tmp_path, suffix, inputs)
    check_results(run_batch(tmp_path, command, files), located)


pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="resource limits: Linux only")


@BATCH
@given(inputs=st.lists(yaml_inputs(), min_size=30, max_size=30))
def test_yaml_reader(tmp_path_factory: pytest.TempPathFactory, inputs: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("yaml")
    fuzz(tmp, inputs, ".yaml", ["validate"], line_located)


@BATCH
@given(inputs=st.lists(markdown_inputs(), min_size=30, max_size=30))
def test_markdown_reader(tmp_path_factory: pytest.TempPathFactory, inputs: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("md")
    fuzz(tmp, inputs, ".md", ["validate"], line_located)


@BATCH
@given(inputs=st.lists(json_inputs(), min_size=30, max_size=30))
def test_json_lines_reader(tmp_path_factory: pytest.TempPathFactory, inputs: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("jsonl")
    fuzz(tmp, inputs, ".jsonl", ["transcripts", "stats"], line_located)


@BATCH
@given(inputs=st.lists(json_inputs(), min_size=30, max_size=30))
def test_json_reader(tmp_path_factory: pytest.TempPathFactory, inputs: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("json")
    fuzz(tmp, inputs, ".json", ["transcripts", "stats"], file_located)


@BATCH
@given(inputs=st.lists(csv_inputs(), min_size=30, max_size=30))
def test_csv_reader(tmp_path_factory: pytest.TempPathFactory, inputs: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("csv")
    fuzz(tmp, inputs, ".csv", ["transcripts", "stats"], line_located)


@BATCH
@given(inputs=st.lists(eval_inputs(), min_size=30, max_size=30))
def test_eval_reader(tmp_path_factory: pytest.TempPathFactory, inputs: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("eval")
    fuzz(tmp, inputs, ".eval", ["transcripts", "stats"], file_located)
