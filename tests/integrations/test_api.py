"""The public API: what ``__all__`` lists, what importing costs, and docs/API.md's examples."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import checker
import constitution
from tests.checker.stub_judge import StubJudge, make_constitution, make_transcript
from tests.conftest import ROOT

API_DOC = ROOT / "docs" / "API.md"


@pytest.mark.parametrize("package", [checker, constitution])
def test_all_is_sorted_and_every_name_resolves(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    assert set(names) == set(package._HOME)  # type: ignore[attr-defined]
    for name in names:
        assert getattr(package, name) is not None
    assert set(names) <= set(dir(package))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        package.nothing  # type: ignore[attr-defined]  # noqa: B018


def test_import_is_cheap() -> None:
    code = (
        "import sys, checker, constitution\n"
        "heavy = {'anthropic', 'openai', 'numpy', 'rich', 'typer', 'checker.runner',"
        " 'constitution.load', 'pydantic'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "checker.check\n"
        "print('anthropic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.splitlines() == ["[]", "False"], done.stderr


def test_check_takes_objects_and_an_open_store(tmp_path: Path) -> None:
    judge = StubJudge()
    doc = make_constitution("p.one", "p.two")
    chat = make_transcript("t1", "VIOLATE p.one")
    with checker.open_store(tmp_path / "r.db") as store:
        result = checker.check(doc, chat, judge=judge, store=store)
        assert [p.outcome.value for p in result.pairs] == ["violates", "complies"]
        again = checker.check(doc, [chat], judge=judge, store=store)
    assert again.totals.calls == 0 and len(judge.calls) == 2


def test_reply_transcript_ids_follow_the_content() -> None:
    a = checker.reply_transcript("Yes.", "Q?")
    assert a.id == checker.reply_transcript("Yes.", "Q?").id != checker.reply_transcript("No.").id
    assert checker.reply_transcript("Yes.", transcript_id="mine").id == "mine"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", API_DOC.read_text(), flags=re.DOTALL)


def test_docs_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ("ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(env, raising=False)
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    monkeypatch.chdir(tmp_path)
    examples = _examples()
    assert len(examples) >= 8
    namespace: dict[str, object] = {"__name__": "api_docs"}
    for number, code in enumerate(examples, start=1):
        try:
            exec(compile(code, f"docs/API.md example {number}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover (the message says which example)
            pytest.fail(f"docs/API.md example {number} failed: {exc!r}\n{code}")
    assert (tmp_path / "results.db").is_file()
