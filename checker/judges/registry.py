"""Build a judge by name: ``anthropic``, ``local``, ``cascade``, or ``auto``.

``auto`` is ``anthropic`` when ``ANTHROPIC_API_KEY`` is set and ``local`` otherwise.
Backends are imported only when asked for, so a missing optional dependency of one
does not stop the others. More backends can be added with :func:`register_judge`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from checker.errors import JudgeConfigError
from checker.judge import Judge

JudgeFactory = Callable[..., Judge]
"""``factory(model=None, **options) -> Judge``."""

JUDGE_CHOICES: tuple[str, ...] = ("auto", "anthropic", "local", "cascade")
KEY_ENV = "ANTHROPIC_API_KEY"

_REGISTRY: dict[str, JudgeFactory] = {}
_BUILTIN: dict[str, tuple[str, str]] = {
    "anthropic": ("checker.anthropic_judge", "AnthropicJudge"),
    "local": ("checker.local", "LocalJudge"),
    "cascade": ("checker.local", "CascadeJudge"),
}


def register_judge(name: str, factory: JudgeFactory) -> None:
    """Make ``make_judge(name)`` call ``factory`` (replacing any judge of that name)."""
    _REGISTRY[name] = factory


def unregister_judge(name: str) -> None:
    _REGISTRY.pop(name, None)


def resolve_judge_name(name: str, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The backend ``name`` stands for, and why (``auto`` looks for an API key)."""
    environ = os.environ if env is None else env
    if name != "auto":
        return name, f"--judge {name}"
    if environ.get(KEY_ENV):
        return "anthropic", f"{KEY_ENV} is set"
    return "local", f"{KEY_ENV} is not set"


def make_judge(name: str, *, model: str | None = None, **options: Any) -> Judge:
    """A ready judge; raises :class:`JudgeConfigError` naming what is missing."""
    resolved, _ = resolve_judge_name(name)
    if resolved in _REGISTRY:
        return _construct(resolved, _REGISTRY[resolved], model, options)
    if resolved in _BUILTIN:
        module, attribute = _BUILTIN[resolved]
        return _construct(resolved, _import(module, attribute), model, options)
    known = ", ".join(sorted({*JUDGE_CHOICES, *_REGISTRY}))
    raise JudgeConfigError(f"unknown judge {name!r}: expected one of {known}")


def _import(module: str, attribute: str) -> JudgeFactory:
    try:
        imported = __import__(module, fromlist=[attribute])
        factory: JudgeFactory = getattr(imported, attribute)
    except (ImportError, AttributeError) as exc:
        raise JudgeConfigError(f"judge {module}.{attribute} is not available: {exc}") from exc
    return factory


def _construct(
    name: str, factory: JudgeFactory, model: str | None, options: dict[str, Any]
) -> Judge:
    kwargs = dict(options)
    if model is not None:
        kwargs["model"] = model
    try:
        return factory(**kwargs)
    except JudgeConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise JudgeConfigError(f"cannot set up the {name} judge: {exc}") from exc


__all__ = [
    "JUDGE_CHOICES",
    "KEY_ENV",
    "JudgeFactory",
    "make_judge",
    "register_judge",
    "resolve_judge_name",
    "unregister_judge",
]
