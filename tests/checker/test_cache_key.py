"""Each part of the cache key: a change re-grades exactly the judgments whose key changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.judges.llm import normalise_server
from checker.judges.llm.prompts import principle_prompt_hash
from checker.runner import cache_key, run_check
from checker.store import open_store
from checker.transcript import Transcript
from constitution.model import (
    Constitution,
    Example,
    ExampleMessage,
    Kind,
    Label,
    Principle,
    Role,
    Rubric,
    Scope,
    Tier,
)
from tests.checker.stub_judge import StubJudge, make_transcript

TRANSCRIPTS = [make_transcript("t1", "All good."), make_transcript("t2", "Fine.")]
ALL = {"a.safe", "b.kind", "c.plain", "d.loose"}

BASE = Constitution(
    id="keys",
    title="Key test",
    version="1.0.0",
    description="Not shown to the judge.",
    tiers=(
        Tier(id="safety", title="Safety", description="Harm first."),
        Tier(id="care", title="Care"),
        Tier(id="style"),
    ),
    principles=(
        Principle(
            id="a.safe",
            title="Safe",
            statement="Refuse dangerous help.",
            tier="safety",
            kind=Kind.HARD,
            rubric=Rubric(violates="Gives the help.", complies="Declines."),
            rationale="Not shown to the judge.",
            tags=("harm",),
        ),
        Principle(
            id="b.kind",
            title="Kind",
            statement="Be kind.",
            tier="care",
            examples=(
                Example(
                    label=Label.COMPLIES,
                    messages=(
                        ExampleMessage(role=Role.USER, content="Hi"),
                        ExampleMessage(role=Role.ASSISTANT, content="Hello, friend."),
                    ),
                ),
            ),
        ),
        Principle(
            id="c.plain",
            title="Plain",
            statement="Write plainly.",
            tier="style",
            scope=Scope.CONVERSATION,
        ),
        Principle(id="d.loose", title="Loose", statement="No tier at all."),
    ),
)


class ServerStub(StubJudge):
    """The stub judge, as if it called a server."""

    def __init__(self, server: str) -> None:
        super().__init__()
        self.server = server


def _principle(constitution: Constitution, pid: str, **update: Any) -> Constitution:
    principles = tuple(
        p.model_copy(update=update) if p.id == pid else p for p in constitution.principles
    )
    return constitution.model_copy(update={"principles": principles})


def _regraded(tmp_path: Path, changed: Constitution, judge: StubJudge | None = None) -> set[str]:
    """The principles a check of ``changed`` grades again after a check of :data:`BASE`."""
    with open_store(tmp_path / "r.db") as store:
        run_check(BASE, TRANSCRIPTS, StubJudge(), store)
        again = judge or StubJudge()
        run_check(changed, TRANSCRIPTS, again, store)
    graded = {pid for _, pid, _ in again.calls}
    assert len(again.calls) == len(graded) * len(TRANSCRIPTS)
    return graded


def _tiers(constitution: Constitution, *tiers: Tier) -> Constitution:
    return constitution.model_copy(update={"tiers": tiers})


SAFETY, CARE, STYLE = BASE.tiers
EXAMPLE = BASE.principles[1].examples[0]
CHANGES: dict[str, tuple[Callable[[Constitution], Constitution], set[str]]] = {
    "statement": (lambda c: _principle(c, "a.safe", statement="Refuse harm."), {"a.safe"}),
    "rubric": (
        lambda c: _principle(c, "a.safe", rubric=Rubric(violates="Gives the help.")),
        {"a.safe"},
    ),
    "examples": (lambda c: _principle(c, "b.kind", examples=(EXAMPLE, EXAMPLE)), {"b.kind"}),
    "example label": (
        lambda c: _principle(
            c, "b.kind", examples=(EXAMPLE.model_copy(update={"label": Label.VIOLATES}),)
        ),
        {"b.kind"},
    ),
    "tier": (lambda c: _principle(c, "c.plain", tier="care"), {"c.plain"}),
    "kind": (lambda c: _principle(c, "b.kind", kind=Kind.HARD), {"b.kind"}),
    "scope": (lambda c: _principle(c, "c.plain", scope=Scope.ASSISTANT), {"c.plain"}),
    "principle title": (lambda c: _principle(c, "d.loose", title="Lax"), {"d.loose"}),
    "principle version": (lambda c: _principle(c, "d.loose", version=2), {"d.loose"}),
    # the tier list is in every prompt, and each principle is shown its tier's rank
    "tier order": (lambda c: _tiers(c, CARE, SAFETY, STYLE), ALL),
    "tier description": (
        lambda c: _tiers(c, SAFETY.model_copy(update={"description": "Harm."}), CARE, STYLE),
        ALL,
    ),
    "tier title": (
        lambda c: _tiers(c, SAFETY, CARE.model_copy(update={"title": "Kindness"}), STYLE),
        ALL,
    ),
    "new tier": (lambda c: _tiers(c, SAFETY, CARE, STYLE, Tier(id="extra")), ALL),
    # not rendered in the judge's prompt (or, for the title and version, deliberately
    # left out of the key): nothing is graded again
    "constitution title": (lambda c: c.model_copy(update={"title": "Renamed"}), set()),
    "constitution version": (lambda c: c.model_copy(update={"version": "2.0.0"}), set()),
    "constitution description": (
        lambda c: c.model_copy(update={"description": "Another."}),
        set(),
    ),
    "principle rationale and tags": (
        lambda c: _principle(c, "a.safe", rationale="Other.", tags=("x",)),
        set(),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_rendered_change_regrades_only_its_principles(tmp_path: Path, change: str) -> None:
    edit, expected = CHANGES[change]
    assert _regraded(tmp_path, edit(BASE)) == expected


def test_the_prompt_hash_ignores_the_constitutions_title_and_version() -> None:
    principle = BASE.principles[0]
    bumped = BASE.model_copy(update={"title": "Other", "version": "9.9.9"})
    assert principle_prompt_hash(principle, bumped) == principle_prompt_hash(principle, BASE)
    moved = _tiers(BASE, CARE, SAFETY, STYLE)
    assert principle_prompt_hash(principle, moved) != principle_prompt_hash(principle, BASE)


def test_another_server_regrades_everything(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        run_check(BASE, TRANSCRIPTS, ServerStub("http://127.0.0.1:8000/v1"), store)
        same = ServerStub("HTTP://127.0.0.1:8000/v1/")
        run_check(BASE, TRANSCRIPTS, same, store)
        other = ServerStub("http://127.0.0.1:8001/v1")
        run_check(BASE, TRANSCRIPTS, other, store)
    assert same.calls == []
    assert len(other.calls) == len(ALL) * len(TRANSCRIPTS)


def test_a_judge_without_a_server_is_keyed_with_none() -> None:
    principle = BASE.principles[0]
    transcript: Transcript = TRANSCRIPTS[0]
    key = cache_key(
        StubJudge(),
        principle.content_hash(),
        transcript.content_hash(),
        0,
        prompt_hash=principle_prompt_hash(principle, BASE),
    )
    assert key.server == ""
    assert cache_key(
        ServerStub("https://api.example.com/"), "p", "t", 0, prompt_hash="h"
    ).server == ("https://api.example.com")


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (None, ""),
        ("", ""),
        ("https://api.anthropic.com", "https://api.anthropic.com"),
        ("HTTPS://API.Anthropic.com:443/", "https://api.anthropic.com"),
        ("http://localhost:80/v1//", "http://localhost/v1"),
        ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        ("https://user:sk-secret@gw.example.com/v1?key=sk-secret#x", "https://gw.example.com/v1"),
        ("http://[::1]:8000/v1", "http://[::1]:8000/v1"),
    ],
)
def test_server_urls_are_normalised_without_secrets(url: str | None, normalised: str) -> None:
    assert normalise_server(url) == normalised


def test_the_anthropic_judge_is_keyed_by_its_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.judges import make_judge

    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    judge = make_judge("anthropic", api_key="k", base_url="http://127.0.0.1:9/")
    assert cache_key(judge, "p", "t", 0, prompt_hash="h").server == "http://127.0.0.1:9"
    default = make_judge("anthropic", api_key="k")
    assert cache_key(default, "p", "t", 0, prompt_hash="h").server == "https://api.anthropic.com"


def test_a_cascade_is_keyed_by_its_strong_judges_server() -> None:
    from checker.judges import make_judge

    strong = ServerStub("http://127.0.0.1:9/v1/")
    cascade = make_judge("cascade", screen=StubJudge(), strong=strong)
    assert cache_key(cascade, "p", "t", 0, prompt_hash="h").server == "http://127.0.0.1:9/v1"
