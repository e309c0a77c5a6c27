"""``check`` and ``transcripts`` on hostile transcripts: located errors, nothing judged in vain."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.checker.stub_judge import make_transcript
from tests.cli.conftest import RunCli
from tests.cli.conftest import StubJudges as _Judges

RULES = """\
constitution: 1
id: test-rules
title: Test rules
version: 1.0.0
principles:
  - id: p.one
    title: Rule one
    statement: Follow rule one.
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(RULES)
    return tmp_path


def native(ident: str) -> str:
    return make_transcript(ident, "Fine.", f"question {ident}").model_dump_json()


def chat(ident: str) -> str:
    return json.dumps({"id": ident, "messages": [{"role": "user", "content": f"q {ident}"}]})


def deep_call(ident: str, depth: int) -> str:
    arguments = "[" * depth + "]" * depth
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": arguments}}
    messages = [{"role": "user", "content": "go"}, {"role": "assistant", "tool_calls": [call]}]
    return json.dumps({"id": ident, "messages": messages})


def test_a_repeated_id_is_found_before_any_judgment(
    work: Path, judges: _Judges, run_cli: RunCli
) -> None:
    lines = [chat(f"t{i}") for i in range(200)] + [chat("t7")]
    (work / "chats.jsonl").write_text("\n".join(lines) + "\n")
    result = run_cli("check", "rules.yaml", "chats.jsonl")
    assert result.code == 2
    assert (
        "chats.jsonl:201: transcript id 't7' occurs more than once in this file: "
        "at line 201 and first at line 8" in result.err
    )
    assert judges.calls == 0
    # Normalised transcripts carry their own metadata: the place is the record's rank.
    (work / "native.jsonl").write_text(native("a") + "\n" + native("a") + "\n")
    result = run_cli("check", "rules.yaml", "native.jsonl")
    assert (
        "native.jsonl: transcript id 'a' occurs more than once in this file: at record 2 and"
        in (result.err)
    )


@pytest.mark.parametrize("depth", [300, 900])
def test_deep_tool_arguments_never_abort_a_run(
    work: Path, judges: _Judges, run_cli: RunCli, depth: int
) -> None:
    lines = [native("a"), deep_call("b", depth), native("c")]
    (work / "chats.jsonl").write_text("\n".join(lines) + "\n")
    refused = run_cli("check", "rules.yaml", "chats.jsonl")
    assert refused.code == 2
    assert "chats.jsonl:2: not a transcript: expected values nested at most 100 deep" in refused.err
    assert judges.calls == 0
    skipped = run_cli("check", "rules.yaml", "chats.jsonl", "--skip-invalid", "--format", "json")
    assert skipped.code == 0, skipped.err
    assert "skipped: chats.jsonl:2: not a transcript" in skipped.err
    document = json.loads(skipped.out)
    assert {v["transcript_id"] for v in document["verdicts"]} == {"a", "c"}
    (listed,) = document["run"]["skipped"]
    assert listed.startswith("chats.jsonl:2: not a transcript: expected values nested")
    stored = run_cli("report", "latest", "--format", "json")
    assert json.loads(stored.out)["run"]["skipped"] == [listed]


def test_ids_shared_by_files_are_qualified(work: Path, judges: _Judges, run_cli: RunCli) -> None:
    (work / "logs").mkdir()
    (work / "logs" / "one.jsonl").write_text(native("a") + "\n" + native("b") + "\n")
    (work / "logs" / "two.jsonl").write_text(native("a") + "\n")
    result = run_cli("check", "rules.yaml", "logs", "--format", "json")
    assert result.code == 0, result.err
    ids = {v["transcript_id"] for v in json.loads(result.out)["verdicts"]}
    assert ids == {"logs/one.jsonl#a", "b", "logs/two.jsonl#a"}


def test_a_deep_sample_field_in_an_eval_log(work: Path, run_cli: RunCli) -> None:
    path = work / "log.eval"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("header.json", json.dumps({"eval": {"task": "t"}, "status": "success"}))
        sample = {"id": 1, "messages": [{"role": "user", "content": "q"}]}
        archive.writestr("samples/1_epoch_1.json", json.dumps(sample))
        sample["id"] = 2
        sample["metadata"] = json.loads("[" * 900 + "]" * 900)
        archive.writestr("samples/2_epoch_1.json", json.dumps(sample))
    refused = run_cli("transcripts", "stats", "log.eval")
    assert refused.code == 2
    assert "log.eval: not a transcript: expected values nested at most 100 deep" in refused.err
    assert "samples/2_epoch_1.json:metadata" in refused.err
    counted = run_cli("transcripts", "stats", "log.eval", "--skip-invalid", "--format", "json")
    assert counted.code == 0
    assert json.loads(counted.out)["transcripts"] == 1


def test_xstest_folder_checks_with_the_local_judge(
    corpora_dir: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    folder = str(corpora_dir / "xstest")
    stats = run_cli("transcripts", "stats", folder, "--format", "json")
    assert stats.code == 0, stats.err
    assert json.loads(stats.out)["transcripts"] == 2100
    db = str(tmp_path / "x.db")
    result = run_cli(
        "check", "fixtures/general-assistant.yaml", folder, "--judge", "local", "--db", db,
        "--principle", "helpful.safe-requests", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    ids = {v["transcript_id"] for v in json.loads(result.out)["verdicts"]}
    assert len(ids) == 2100
    assert f"{folder}/xstest_v2_completions_gpt4.csv#v2-1" in ids
