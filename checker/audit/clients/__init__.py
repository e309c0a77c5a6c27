"""Models that talk (the auditor and the target of an audit), on the judges' shared core.

:data:`PROVIDERS` is the only list of providers. A model is named ``provider:model``
(``anthropic:claude-sonnet-5-5``, ``openai:llama3.1`` for any OpenAI-compatible server:
vLLM, Ollama, llama.cpp, LM Studio, OpenAI) or just ``model`` (the Messages API).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checker.audit.clients._anthropic import AnthropicChat
from checker.audit.clients._base import (
    ChatClient,
    ChatMessage,
    ChatReply,
    ChatRequest,
    Reader,
    ToolCall,
    ToolResult,
    ToolSpec,
    request_key,
)
from checker.audit.errors import AuditError

ClientFactory = Callable[..., ChatClient]
DEFAULT_PROVIDER = "anthropic"


def _openai(model: str, **options: Any) -> ChatClient:
    """The OpenAI-compatible client (needs ``pip install 'constitution[openai]'``)."""
    try:
        from checker.audit.clients._openai import OpenAIChat
    except ImportError as exc:
        raise AuditError(
            f"the openai provider needs the openai SDK: pip install 'constitution[openai]' ({exc})"
        ) from None
    return OpenAIChat(model, **options)


PROVIDERS: dict[str, ClientFactory] = {
    "anthropic": AnthropicChat,
    "openai": _openai,
}
"""Provider name -> ``factory(model, *, base_url=None, timeout_s=...)``."""


def parse_model_spec(spec: str) -> tuple[str, str]:
    """``provider:model`` -> (provider, model); a bare model uses :data:`DEFAULT_PROVIDER`."""
    provider, sep, model = spec.partition(":")
    if not sep:
        provider, model = DEFAULT_PROVIDER, spec
    if provider not in PROVIDERS:
        known = ", ".join(PROVIDERS)
        raise AuditError(f"unknown model provider {provider!r} in {spec!r}: expected {known}")
    if not model:
        raise AuditError(f"no model named in {spec!r}: expected provider:model")
    return provider, model


def make_client(
    spec: str, *, base_url: str | None = None, timeout_s: float | None = None
) -> ChatClient:
    """The client for ``spec`` (``provider:model`` or ``model``)."""
    provider, model = parse_model_spec(spec)
    options: dict[str, object] = {"base_url": base_url}
    if timeout_s is not None:
        options["timeout_s"] = timeout_s
    return PROVIDERS[provider](model, **options)


__all__ = [
    "DEFAULT_PROVIDER",
    "PROVIDERS",
    "AnthropicChat",
    "ChatClient",
    "ChatMessage",
    "ChatReply",
    "ChatRequest",
    "ClientFactory",
    "Reader",
    "ToolCall",
    "ToolResult",
    "ToolSpec",
    "make_client",
    "parse_model_spec",
    "request_key",
]
