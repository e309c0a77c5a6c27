"""A fake OpenAI-compatible chat completions server on 127.0.0.1 (see :mod:`.backend`)."""

from tests.fakeopenai.backend import (
    FAULT_KINDS,
    MODES,
    FakeOpenAIBackend,
    FakeOpenAIConfig,
    FaultPlan,
    Stats,
    go_duration,
    llama_cpp_config,
)
from tests.fakeopenai.server import FakeOpenAI
from tests.fakeopenai.tokens import count_text, prompt_tokens

__all__ = [
    "FAULT_KINDS",
    "MODES",
    "FakeOpenAI",
    "FakeOpenAIBackend",
    "FakeOpenAIConfig",
    "FaultPlan",
    "Stats",
    "count_text",
    "go_duration",
    "llama_cpp_config",
    "prompt_tokens",
]
