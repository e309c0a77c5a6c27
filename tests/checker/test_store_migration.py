"""Migration m002: a store written before the key had a server and a prompt hash."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from checker.runner import plan_check, run_check
from checker.store import open_store
from checker.verdict import Evidence, Outcome, QuoteMatch, Support, Verdict
from constitution.model import Constitution, Principle, Tier
from tests.checker.stub_judge import StubJudge, make_transcript

CONSTITUTION = Constitution(
    id="old",
    title="Old",
    version="1.0.0",
    tiers=(Tier(id="first"), Tier(id="second")),
    principles=(
        Principle(id="p.one", title="One", statement="Rule one.", tier="first"),
        Principle(id="p.two", title="Two", statement="Rule two.", tier="second"),
    ),
)
TRANSCRIPTS = [
    make_transcript("t1", "All good.", "Hi there"),
    make_transcript("t2", "Fine, here you go.", "Hi"),
]

# The schema as migration m001 created it (copied, so this test keeps the old shape
# even if someone edits m001 by mistake).
OLD_SCHEMA = """
CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
    constitution_id TEXT NOT NULL, constitution_version TEXT NOT NULL,
    judge TEXT NOT NULL, model TEXT NOT NULL, prompt_version TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL,
    totals TEXT NOT NULL DEFAULT '{}', pid INTEGER
);
CREATE TABLE verdicts (
    id INTEGER PRIMARY KEY, backend TEXT NOT NULL, model TEXT NOT NULL,
    prompt_version TEXT NOT NULL, principle_hash TEXT NOT NULL,
    transcript_hash TEXT NOT NULL, sample_index INTEGER NOT NULL,
    principle_id TEXT NOT NULL, outcome TEXT NOT NULL, verdict TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE UNIQUE INDEX verdicts_cache_key ON verdicts
    (backend, model, prompt_version, principle_hash, transcript_hash, sample_index)
    WHERE outcome != 'error';
CREATE TABLE run_verdicts (
    run_id INTEGER NOT NULL REFERENCES runs (id), transcript_id TEXT NOT NULL,
    principle_id TEXT NOT NULL, sample_index INTEGER NOT NULL,
    verdict_id INTEGER NOT NULL REFERENCES verdicts (id),
    cache_hit INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, transcript_id, principle_id, sample_index)
);
CREATE TABLE transcripts (hash TEXT PRIMARY KEY, transcript TEXT NOT NULL);
INSERT INTO migrations VALUES ('m001_initial', '2026-01-01T00:00:00');
"""


def _old_verdict(transcript_index: int, principle: Principle) -> tuple[str, Verdict]:
    """What the old runner stored: t2 x p.one is a violation quoting the user's "Hi",
    which the old evidence rule counted as verified support."""
    transcript = TRANSCRIPTS[transcript_index]
    common = {
        "transcript_id": transcript.id,
        "principle_id": principle.id,
        "judge": "stub",
        "model": "stub-model",
        "prompt_version": "stub-1",
        "principle_hash": principle.content_hash(),
        "transcript_hash": transcript.content_hash(),
        "schema_version": 1,
    }
    if (transcript.id, principle.id) == ("t2", "p.one"):
        quote = Evidence(message_index=0, quote="Hi", match=QuoteMatch.EXACT)
        verdict = Verdict(outcome=Outcome.VIOLATES, score=0.0, evidence=(quote,), **common)
        return verdict.model_dump_json(exclude={"evidence": {0: {"support"}}}), verdict
    verdict = Verdict(outcome=Outcome.COMPLIES, score=1.0, **common)
    return verdict.model_dump_json(), verdict


def _old_store(path: Path, *, with_error: bool = False) -> None:
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute(
        "INSERT INTO runs VALUES (1, '2026-01-01', '2026-01-01', 'old', '1.0.0', 'stub',"
        " 'stub-model', 'stub-1', '{}', 'complete', '{}', NULL)"
    )
    for index, transcript in enumerate(TRANSCRIPTS):
        db.execute(
            "INSERT INTO transcripts VALUES (?, ?)",
            (transcript.content_hash(), transcript.model_dump_json()),
        )
        for principle in CONSTITUTION.principles:
            text, verdict = _old_verdict(index, principle)
            outcome = verdict.outcome.value
            if with_error and (transcript.id, principle.id) == ("t1", "p.two"):
                outcome = "error"
            cursor = db.execute(
                "INSERT INTO verdicts (backend, model, prompt_version, principle_hash,"
                " transcript_hash, sample_index, principle_id, outcome, verdict, created)"
                " VALUES ('stub', 'stub-model', 'stub-1', ?, ?, 0, ?, ?, ?, '2026-01-01')",
                (verdict.principle_hash, verdict.transcript_hash, principle.id, outcome, text),
            )
            db.execute(
                "INSERT INTO run_verdicts VALUES (1, ?, ?, 0, ?, 0)",
                (transcript.id, principle.id, cursor.lastrowid),
            )
    db.commit()
    db.close()


def _legacy_rows(path: Path) -> int:
    with open_store(path) as store:
        return int(
            store.db.execute("SELECT COUNT(*) FROM verdicts WHERE prompt_hash IS NULL").fetchone()[
                0
            ]
        )


def test_old_verdicts_are_carried_over_without_a_judge_call(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path)
    with open_store(path) as store:
        names = [row[0] for row in store.db.execute("SELECT name FROM migrations ORDER BY name")]
        assert names[:2] == ["m001_initial", "m002_server_and_prompt_hash"]
        old_run = store.run_verdicts(1)  # the old run still reads back
        assert len(old_run) == 4
        judge = StubJudge()
        result = run_check(CONSTITUTION, TRANSCRIPTS, judge, store)
    assert judge.calls == []
    assert (result.totals.calls, result.totals.cache_hits) == (0, 4)
    assert _legacy_rows(path) == 0  # adopted under the new key, in place
    with open_store(path) as store:
        assert store.count_verdicts() == 4
        again = StubJudge()
        run_check(CONSTITUTION, TRANSCRIPTS, again, store)
    assert again.calls == []


def test_an_adopted_verdict_gets_the_evidence_rule(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path)
    with open_store(path) as store:
        (before,) = [v.verdict for v in store.run_verdicts(1) if v.verdict.evidence]
        assert not before.unsupported_violation  # checked by the old rule: "Hi" was verified
        result = run_check(CONSTITUTION, TRANSCRIPTS, StubJudge(), store)
    violation = next(v for v in result.verdicts if v.outcome is Outcome.VIOLATES)
    assert (violation.transcript_id, violation.principle_id) == ("t2", "p.one")
    assert violation.evidence[0].support is Support.OUT_OF_SCOPE
    assert violation.unsupported_violation
    assert result.totals.unsupported_violations == 1


def test_a_retiered_principle_is_graded_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path)
    retiered = CONSTITUTION.model_copy(
        update={
            "principles": (
                CONSTITUTION.principles[0],
                CONSTITUTION.principles[1].model_copy(update={"tier": "first"}),
            )
        }
    )
    with open_store(path) as store:
        judge = StubJudge()
        run_check(retiered, TRANSCRIPTS, judge, store)
    assert sorted(judge.calls) == [("t1", "p.two", 0), ("t2", "p.two", 0)]
    assert _legacy_rows(path) == 2  # p.two's old verdicts stay, for the old tiering


def test_tiers_reordered_after_adoption_regrade_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path)
    reordered = CONSTITUTION.model_copy(update={"tiers": CONSTITUTION.tiers[::-1]})
    with open_store(path) as store:
        run_check(CONSTITUTION, TRANSCRIPTS, StubJudge(), store)
        judge = StubJudge()
        run_check(reordered, TRANSCRIPTS, judge, store)
    assert len(judge.calls) == 4


def test_old_errors_are_retried_not_adopted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path, with_error=True)
    with open_store(path) as store:
        judge = StubJudge()
        run_check(CONSTITUTION, TRANSCRIPTS, judge, store)
    assert judge.calls == [("t1", "p.two", 0)]


def test_a_dry_run_counts_old_verdicts_but_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path)
    with open_store(path) as store:
        plan = asyncio.run(plan_check(CONSTITUTION, TRANSCRIPTS, StubJudge(), store))
    assert (plan.cache_hits, plan.to_judge) == (4, 0)
    assert _legacy_rows(path) == 4


def test_adoption_yields_to_a_verdict_stored_meanwhile(tmp_path: Path) -> None:
    """Two processes: one adopts a legacy row while the other has just stored the key."""
    from checker.judges.llm.prompts import principle_prompt_hash
    from checker.runner import cache_key

    path = tmp_path / "old.db"
    _old_store(path)
    principle, transcript = CONSTITUTION.principles[0], TRANSCRIPTS[0]
    key = cache_key(
        StubJudge(),
        principle.content_hash(),
        transcript.content_hash(),
        0,
        prompt_hash=principle_prompt_hash(principle, CONSTITUTION),
    )
    with open_store(path) as mine, open_store(path) as theirs:
        run = theirs.start_run(
            constitution_id="old",
            constitution_version="1.0.0",
            judge="stub",
            model="stub-model",
            prompt_version="stub-1",
        )
        fresh = Verdict(transcript_id="t1", principle_id="p.one", outcome=Outcome.VIOLATES)
        stored = theirs.save_verdict(run, key, fresh)
        found = mine._legacy(key, adopt=True)
    assert found is not None and found[0] == stored
    assert _legacy_rows(path) == 4
