"""Judges: the protocol every judge implements, and the registry of judges by name.

``checker.judges.anthropic``, ``checker.judges.openai``, ``checker.judges.local`` and
``checker.judges.cascade`` are the built-in judges; ``checker.judges.llm`` is the
core the model judges share. See ``docs/JUDGES.md``.
"""

from checker.judges._batching import (
    BatchInfo,
    Batching,
    BatchResult,
    batching_of,
    require_batching,
)
from checker.judges._protocol import (
    EstimatingJudge,
    GroupedJudge,
    Judge,
    JudgeBase,
    JudgeRunStats,
    ReportsRunStats,
    close_judge,
    run_stats_of,
    verdict_provenance,
)
from checker.judges.registry import (
    AUTO,
    ENTRY_POINT_GROUP,
    KEY_ENV,
    TIMEOUT_OPTION,
    Availability,
    JudgeEntry,
    JudgeFactory,
    find_judge,
    forget_plugins,
    judge_choices,
    judge_entries,
    judge_names,
    make_judge,
    register_judge,
    resolve_judge_name,
    unregister_judge,
)

__all__ = [
    "AUTO",
    "ENTRY_POINT_GROUP",
    "KEY_ENV",
    "TIMEOUT_OPTION",
    "Availability",
    "BatchInfo",
    "BatchResult",
    "Batching",
    "EstimatingJudge",
    "GroupedJudge",
    "Judge",
    "JudgeBase",
    "JudgeEntry",
    "JudgeFactory",
    "JudgeRunStats",
    "ReportsRunStats",
    "batching_of",
    "close_judge",
    "find_judge",
    "forget_plugins",
    "judge_choices",
    "judge_entries",
    "judge_names",
    "make_judge",
    "register_judge",
    "require_batching",
    "resolve_judge_name",
    "run_stats_of",
    "unregister_judge",
    "verdict_provenance",
]
