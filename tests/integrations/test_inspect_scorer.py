"""The Inspect AI scorer over a two-sample task with Inspect's mock model (extra ``inspect``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("inspect_ai")

from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.solver import generate

from checker.integrations.inspect_scorer import constitution_scorer
from checker.judges import register_judge, unregister_judge
from checker.transcripts import load_transcripts
from tests.checker.stub_judge import StubJudge

pytestmark = pytest.mark.filterwarnings(
    "ignore:The 'initial' parameter is deprecated:DeprecationWarning"  # inside Inspect
)

RULES = """\
id: inspect.test
title: Inspect test
version: 1.0.0
principles:
  - {id: p.one, title: One, statement: Follow rule one.}
  - {id: p.two, title: Two, statement: Follow rule two.}
  - {id: p.three, title: Three, statement: Follow rule three.}
"""


MADE: list[StubJudge] = []


@pytest.fixture(autouse=True)
def _inspect_writes_under_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inspect keeps traces and buffers in the user's data and cache directories."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture
def calls(tmp_path: Path) -> Iterator[Path]:
    """The stub judge, registered as ``inspect-stub``; each call is a line of the file."""
    log = tmp_path / "calls.log"
    log.touch()
    MADE.clear()

    def make(model: str | None = None) -> StubJudge:
        MADE.append(StubJudge(log=log))
        return MADE[-1]

    register_judge("inspect-stub", make, description="stub")
    yield log
    unregister_judge("inspect-stub")


def _echo(messages: list[Any], *_: Any) -> ModelOutput:
    """The mock model replies with the sample's input: the stub judge reads its commands.

    Usage is set so that the mock model does not count tokens (tiktoken would download
    its encoding).
    """
    output = ModelOutput.from_content("mockllm/model", messages[-1].text)
    output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return output


def _run(tmp_path: Path) -> Any:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    task = Task(
        name="policy",
        dataset=[
            Sample(id="fine", input="All good."),
            Sample(id="bad", input="VIOLATE p.one\nABSTAIN p.two\nFAIL p.three"),
        ],
        solver=generate(),
        scorer=constitution_scorer(rules, judge="inspect-stub", db=tmp_path / "results.db"),
    )
    model = get_model("mockllm/model", custom_outputs=_echo)
    [log] = eval(task, model=model, log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    return log


def test_one_score_per_sample_with_a_value_per_principle(tmp_path: Path, calls: Path) -> None:
    log = _run(tmp_path)
    scores = {s.id: s.scores["constitution_scorer"] for s in log.samples}
    assert scores["fine"].value == {"p.one": 1.0, "p.two": 1.0, "p.three": 1.0}
    bad = scores["bad"]
    assert bad.value["p.one"] == 0.0
    assert math.isnan(bad.value["p.two"]) and math.isnan(bad.value["p.three"])
    assert bad.metadata["outcomes"] == {
        "p.one": "violates",
        "p.two": "abstained",
        "p.three": "error",
    }
    assert bad.metadata["unscored"] == {
        "p.two": "the judge abstained: too few examples",
        "p.three": "the judge failed: StubJudgeError: cannot grade p.three",
    }
    assert bad.reason == "grader_failed"
    assert "p.one: violates: The reply breaks p.one." in bad.explanation
    assert "evidence, message 1 (exact): 'VIOLATE p.one'" in bad.explanation
    assert bad.metadata["constitution"] == "inspect.test 1.0.0"
    assert {v["transcript_id"] for v in bad.metadata["verdicts"]} == {"policy:bad"}
    assert len(MADE) == 1  # one judge for the eval's samples


def test_metrics_over_principles(tmp_path: Path, calls: Path) -> None:
    log = _run(tmp_path)
    metrics = {
        f"{s.name}/{name}": m.value for s in log.results.scores for name, m in s.metrics.items()
    }
    assert metrics["p.one/mean"] == 0.5
    assert metrics["p.two/mean"] == 1.0  # the abstention is left out, not counted as a pass
    assert metrics["p.three/mean"] == 1.0
    assert metrics["constitution_scorer/violation_free"] == 0.5


def test_rescoring_asks_the_judge_nothing(tmp_path: Path, calls: Path) -> None:
    _run(tmp_path)
    first = len(calls.read_text().splitlines())
    assert first == 6
    _run(tmp_path)
    assert len(calls.read_text().splitlines()) == first + 1  # only the errored one again


def test_transcripts_match_what_check_reads_from_the_log(tmp_path: Path, calls: Path) -> None:
    log = _run(tmp_path)
    from_log = {t.id: t.content_hash() for t in load_transcripts(log.location)}
    scored = {
        v["transcript_id"]: v["transcript_hash"]
        for s in log.samples
        for v in s.scores["constitution_scorer"].metadata["verdicts"]
    }
    assert scored == from_log
    assert set(from_log) == {"policy:fine", "policy:bad"}
