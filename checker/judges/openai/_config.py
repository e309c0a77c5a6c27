"""Where the OpenAI-compatible judge sends, with which key and model.

- the server: ``base_url=`` (``--base-url``), else ``$OPENAI_BASE_URL``, else OpenAI's;
- the key: ``api_key=``, else ``$OPENAI_API_KEY``. A server on this machine or a
  private network (vLLM, Ollama, llama.cpp, LM Studio) usually wants none: without a
  key the judge sends a placeholder there, and refuses to start for a public server;
- the model: ``model=`` (``--model``), else ``$CONSTITUTION_MODEL``. There is no
  default: a generic server serves whatever it loaded, under its own name.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx2
import openai

from checker.errors import JudgeConfigError

BASE_URL_ENV = "OPENAI_BASE_URL"
KEY_ENV = "OPENAI_API_KEY"
MODEL_ENV = "CONSTITUTION_MODEL"
OPENAI_BASE_URL = "https://api.openai.com/v1"
LOCAL_PLACEHOLDER_KEY = "no-key-needed"
"""Sent to a local server when no key is set (the SDK insists on some key)."""


def resolve_base_url(base_url: str | None, env: Mapping[str, str] | None = None) -> str:
    environ = os.environ if env is None else env
    return (base_url or environ.get(BASE_URL_ENV) or OPENAI_BASE_URL).strip()


def resolve_model(model: str | None, env: Mapping[str, str] | None = None) -> str:
    """``model``, else ``$CONSTITUTION_MODEL``; a clear error naming both when neither is set."""
    environ = os.environ if env is None else env
    chosen = model or environ.get(MODEL_ENV)
    if not chosen:
        raise JudgeConfigError(
            "the openai judge needs a model name (a server serves what it loaded, under its "
            f"own name): pass --model NAME or set {MODEL_ENV}"
        )
    return chosen


def is_local_server(base_url: str) -> bool:
    """True for loopback, private-network and link-local hosts (and ``localhost``)."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def resolve_api_key(
    api_key: str | None, base_url: str, env: Mapping[str, str] | None = None
) -> str:
    """The key to send: given, from the environment, or a placeholder for a local server."""
    environ = os.environ if env is None else env
    key = api_key or environ.get(KEY_ENV)
    if key:
        return key
    if is_local_server(base_url):
        return LOCAL_PLACEHOLDER_KEY
    raise JudgeConfigError(
        f"the openai judge needs an API key for {base_url}: set {KEY_ENV} "
        "(a server on this machine or a private network needs none)"
    )


def make_client(api_key: str, base_url: str, timeout_s: float) -> openai.AsyncOpenAI:
    """An SDK client with its own retries off: the judge's call loop retries, paced."""
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        max_retries=0,
        timeout=httpx2.Timeout(timeout_s, connect=min(10.0, timeout_s)),
    )
