"""Check transcripts against a constitution with LLM or local judges, through a store.

The public API (see ``docs/API.md``)::

    import checker

    result = checker.check("policy.yaml", "chats.jsonl", judge="auto", store="results.db")
    result = await checker.acheck(doc, transcripts, judge=my_judge, store=store)
    reply = checker.reply_transcript("Sure, here is how ...", prompt="How do I ...?")
    with checker.open_store("results.db") as store:
        runs = store.list_runs(5)
        again = checker.load_run(store, "latest")

Judges come from the registry (:func:`make_judge`, :func:`judge_names`). Names are
imported on first use: ``import checker`` loads no judge and no model SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.api import acheck, check, reply_transcript
    from checker.behaviour_diff import BehaviourDiff, adiff_behaviour, diff_behaviour
    from checker.diff_output import render_diff_markdown
    from checker.errors import CheckerError
    from checker.gate import Gate, gate_failures
    from checker.judges import Judge, judge_names, make_judge, resolve_judge_name
    from checker.results import PairResult, RunResult
    from checker.runner import arun_check, load_run, run_check
    from checker.store import RunRecord, Store, open_store
    from checker.transcript import Message, Role, Transcript
    from checker.transcripts import load_transcripts
    from checker.verdict import Evidence, Outcome, Verdict

_HOME = {
    "BehaviourDiff": "checker.behaviour_diff",
    "CheckerError": "checker.errors",
    "Evidence": "checker.verdict",
    "Gate": "checker.gate",
    "Judge": "checker.judges",
    "Message": "checker.transcript",
    "Outcome": "checker.verdict",
    "PairResult": "checker.results",
    "Role": "checker.transcript",
    "RunRecord": "checker.store",
    "RunResult": "checker.results",
    "Store": "checker.store",
    "Transcript": "checker.transcript",
    "Verdict": "checker.verdict",
    "acheck": "checker.api",
    "adiff_behaviour": "checker.behaviour_diff",
    "arun_check": "checker.runner",
    "check": "checker.api",
    "diff_behaviour": "checker.behaviour_diff",
    "gate_failures": "checker.gate",
    "judge_names": "checker.judges",
    "load_run": "checker.runner",
    "load_transcripts": "checker.transcripts",
    "make_judge": "checker.judges",
    "open_store": "checker.store",
    "render_diff_markdown": "checker.diff_output",
    "reply_transcript": "checker.api",
    "resolve_judge_name": "checker.judges",
    "run_check": "checker.runner",
}
"""Each public name and the module it lives in (imported when the name is first used)."""

__all__ = [
    "BehaviourDiff",
    "CheckerError",
    "Evidence",
    "Gate",
    "Judge",
    "Message",
    "Outcome",
    "PairResult",
    "Role",
    "RunRecord",
    "RunResult",
    "Store",
    "Transcript",
    "Verdict",
    "acheck",
    "adiff_behaviour",
    "arun_check",
    "check",
    "diff_behaviour",
    "gate_failures",
    "judge_names",
    "load_run",
    "load_transcripts",
    "make_judge",
    "open_store",
    "render_diff_markdown",
    "reply_transcript",
    "resolve_judge_name",
    "run_check",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'checker' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
