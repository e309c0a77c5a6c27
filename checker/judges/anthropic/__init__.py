"""The Claude judge (``--judge anthropic``): the Messages API through the ``anthropic`` SDK."""

from checker.judges.anthropic._judge import (
    DEFAULT_MODEL,
    KEY_ENV,
    MODEL_ENV,
    AnthropicJudge,
    resolve_model,
)
from checker.judges.anthropic._reply import classify, parse_reply, reply_schema, usage_of
from checker.judges.anthropic._request import (
    MIN_CACHEABLE_TOKENS,
    TOOL_NAME,
    default_effort,
    judge_version,
)

__all__ = [
    "DEFAULT_MODEL",
    "KEY_ENV",
    "MIN_CACHEABLE_TOKENS",
    "MODEL_ENV",
    "TOOL_NAME",
    "AnthropicJudge",
    "classify",
    "default_effort",
    "judge_version",
    "parse_reply",
    "reply_schema",
    "resolve_model",
    "usage_of",
]
