"""The OpenAI-compatible judge (``--judge openai``): chat completions through the
official ``openai`` SDK (``pip install 'constitution[openai]'``)."""

from checker.judges.openai._config import (
    BASE_URL_ENV,
    KEY_ENV,
    MODEL_ENV,
    is_local_server,
    resolve_api_key,
    resolve_base_url,
    resolve_model,
)
from checker.judges.openai._judge import JUDGE_VERSION, OpenAIJudge
from checker.judges.openai._modes import MODES, ModeChooser, rejects_mode
from checker.judges.openai._reply import classify, parse_completion, usage_of

__all__ = [
    "BASE_URL_ENV",
    "JUDGE_VERSION",
    "KEY_ENV",
    "MODEL_ENV",
    "MODES",
    "ModeChooser",
    "OpenAIJudge",
    "classify",
    "is_local_server",
    "parse_completion",
    "rejects_mode",
    "resolve_api_key",
    "resolve_base_url",
    "resolve_model",
    "usage_of",
]
