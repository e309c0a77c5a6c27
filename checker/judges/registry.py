"""The one list of judges: names, what each needs, whether it is usable here, factories.

Every judge name the CLI accepts, lists or documents comes from here. A built-in
judge is one :class:`JudgeEntry` in :data:`BUILTIN`; its module is imported only
when the judge is made (or its availability asked), so a missing optional
dependency of one judge does not stop the others. Third-party judges register
through the ``constitution.judges`` entry-point group (see ``docs/JUDGES.md``);
they are discovered on first use, and one may not take a built-in name.

``auto`` stands for ``anthropic`` when ``ANTHROPIC_API_KEY`` is set, else
``openai`` when ``OPENAI_BASE_URL`` is set, else ``local``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from checker.errors import JudgeConfigError
from checker.judges._protocol import Judge

JudgeFactory = Callable[..., Judge]
"""``factory(model=None, **options) -> Judge``."""
Check = Callable[[Mapping[str, str]], str | None]
"""Why a judge is not usable with this environment, or None when it is."""

AUTO = "auto"
ENTRY_POINT_GROUP = "constitution.judges"
KEY_ENV = "ANTHROPIC_API_KEY"
BASE_URL_ENV = "OPENAI_BASE_URL"
AUTO_RULE = (
    "anthropic when ANTHROPIC_API_KEY is set, else openai when OPENAI_BASE_URL is set, else local"
)
"""What ``auto`` stands for, in words (help text and docs)."""
TIMEOUT_OPTION = "timeout_s"
"""The factory option of every model judge that bounds one request (``--timeout``)."""
BASE_URL_OPTION = "base_url"
"""The factory option naming the server a judge talks to (``--base-url``)."""
OFFLINE_OPTION = "offline"
"""The factory option of a judge that can estimate with no key and no network (``--dry-run``)."""


@dataclass(frozen=True)
class Availability:
    usable: bool
    reason: str
    """Why not, or what makes it usable ("ANTHROPIC_API_KEY is set")."""


@dataclass(frozen=True)
class JudgeEntry:
    """One registered judge."""

    name: str
    description: str
    """One line, shown by ``constitution judges`` and in ``--judge`` help."""
    needs: str
    """What it needs to run: a key, an environment variable, an extra."""
    factory: str | JudgeFactory
    """``"module:attribute"`` imported when first used, or the factory itself."""
    options: frozenset[str] = frozenset()
    """Factory options it takes besides ``model`` (``timeout_s``, ``screen_model``, ...)."""
    check: Check | None = None
    distribution: str | None = None
    """The distribution that installed it (a plugin); None for a built-in judge."""
    _loaded: list[JudgeFactory] = field(default_factory=list, compare=False, repr=False)

    def load(self) -> JudgeFactory:
        """The factory, importing its module on first use."""
        if not isinstance(self.factory, str):
            return self.factory
        if not self._loaded:
            module, _, attribute = self.factory.partition(":")
            try:
                found: JudgeFactory = getattr(importlib.import_module(module), attribute)
            except (ImportError, AttributeError) as exc:
                raise JudgeConfigError(
                    f"judge {module}.{attribute} is not available: {exc}"
                ) from exc
            self._loaded.append(found)
        return self._loaded[0]

    def available(self, env: Mapping[str, str] | None = None) -> Availability:
        """Whether the judge can run here, and why (no module is imported to find out)."""
        environ = os.environ if env is None else env
        if isinstance(self.factory, str):
            module = self.factory.partition(":")[0]
            if not _module_exists(module):
                return Availability(False, f"not installed ({module} is missing)")
        reason = self.check(environ) if self.check is not None else None
        if reason is not None:
            return Availability(False, reason)
        return Availability(True, "ready")

    def takes(self, option: str) -> bool:
        return option in self.options


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# -- the built-in judges ----------------------------------------------------------------


def _needs_key(env: Mapping[str, str]) -> str | None:
    if env.get(KEY_ENV) or env.get("ANTHROPIC_AUTH_TOKEN"):
        return None
    return f"{KEY_ENV} is not set"


def _needs_openai(env: Mapping[str, str]) -> str | None:
    if not _module_exists("openai"):
        return "the openai SDK is not installed: pip install -e '.[openai]'"
    if env.get(BASE_URL_ENV) or env.get("OPENAI_API_KEY"):
        return None
    return f"set {BASE_URL_ENV} (a local server) or OPENAI_API_KEY"


def _needs_strong(env: Mapping[str, str]) -> str | None:
    reason = _needs_key(env)
    return None if reason is None else f"its strong judge (anthropic): {reason}"


BUILTIN: tuple[JudgeEntry, ...] = (
    JudgeEntry(
        "anthropic",
        "Claude through the Messages API (structured output, prompt caching).",
        f"{KEY_ENV}; --model or CONSTITUTION_MODEL (default claude-sonnet-5-5)",
        "checker.judges.anthropic:AnthropicJudge",
        frozenset({TIMEOUT_OPTION, OFFLINE_OPTION}),
        _needs_key,
    ),
    JudgeEntry(
        "openai",
        "Any OpenAI-compatible server: OpenAI, vLLM, Ollama, llama.cpp, LM Studio, gateways.",
        f"pip install -e '.[openai]'; {BASE_URL_ENV} or --base-url; OPENAI_API_KEY"
        " (optional for a local server); --model or CONSTITUTION_MODEL",
        "checker.judges.openai:OpenAIJudge",
        frozenset({TIMEOUT_OPTION, BASE_URL_OPTION, OFFLINE_OPTION}),
        _needs_openai,
    ),
    JudgeEntry(
        "local",
        "Offline, in-process: does the principle apply, does the reply take the violating"
        " stance; abstains when unsure; no key.",
        "nothing (a fitted model file from `constitution distill` with --model, optional)",
        "checker.judges.local:LocalJudge",
    ),
    JudgeEntry(
        "cascade",
        "The local judge screens every pair; Claude judges only the doubtful ones.",
        f"{KEY_ENV}; --screen-model (a distilled local model, optional)",
        "checker.judges.cascade:CascadeJudge",
        frozenset({TIMEOUT_OPTION, "screen_model"}),
        _needs_strong,
    ),
)


# -- the registry ------------------------------------------------------------------------


class _Registry:
    """Built-in entries, entry-point plugins (discovered once) and programmatic overrides."""

    def __init__(self) -> None:
        self._plugins: dict[str, JudgeEntry] | None = None
        self._errors: list[str] = []
        self.overrides: dict[str, JudgeEntry] = {}

    def entries(self) -> list[JudgeEntry]:
        found = {entry.name: entry for entry in BUILTIN}
        found.update(self.plugins())
        found.update(self.overrides)
        return list(found.values())

    def get(self, name: str) -> JudgeEntry | None:
        return next((e for e in self.entries() if e.name == name), None)

    def plugins(self) -> dict[str, JudgeEntry]:
        if self._plugins is None:
            self._plugins, self._errors = _discover(entry_points(group=ENTRY_POINT_GROUP))
        return self._plugins

    def check_plugins(self) -> None:
        """Raise the first plugin registration error (a plugin taking a built-in name)."""
        self.plugins()
        if self._errors:
            raise JudgeConfigError(self._errors[0])

    def forget_plugins(self) -> None:
        """Discover the plugins again on next use (after installing one)."""
        self._plugins, self._errors = None, []


def _discover(points: Iterable[EntryPoint]) -> tuple[dict[str, JudgeEntry], list[str]]:
    """The plugins' entries, and why any was refused (their modules are not imported)."""
    builtin = {entry.name for entry in BUILTIN} | {AUTO}
    found: dict[str, JudgeEntry] = {}
    errors: list[str] = []
    for point in points:
        dist = point.dist.name if point.dist is not None else "an unknown distribution"
        if point.name in builtin:
            errors.append(
                f"judge plugin {point.value!r} of the distribution {dist} registers the name"
                f" {point.name!r}, which is a built-in judge: a plugin may not replace it"
                f" (uninstall {dist}, or have it use another name)"
            )
        elif point.name in found:
            other = found[point.name].distribution
            errors.append(
                f"judge {point.name!r} is registered by two distributions: {other} and {dist}"
            )
        else:
            found[point.name] = _plugin_entry(point, dist)
    return found, errors


def _plugin_entry(point: EntryPoint, dist: str) -> JudgeEntry:
    return JudgeEntry(
        point.name,
        f"plugin from {dist}",
        f"see {dist}",
        point.value.replace(" ", ""),
        frozenset({TIMEOUT_OPTION}),
        distribution=dist,
    )


_REGISTRY = _Registry()


def judge_entries() -> list[JudgeEntry]:
    """Every registered judge: built-in, plugins, then programmatic registrations."""
    _REGISTRY.check_plugins()
    return [_described(entry) for entry in _REGISTRY.entries()]


def _described(entry: JudgeEntry) -> JudgeEntry:
    """A plugin's entry as its module declares it (a :class:`JudgeEntry`, or a factory)."""
    if entry.distribution is None or not isinstance(entry.factory, str):
        return entry
    try:
        module, _, attribute = entry.factory.partition(":")
        target = getattr(importlib.import_module(module), attribute)
    except Exception as exc:  # a broken plugin is listed as unusable, with the reason
        why = f"cannot load {entry.factory}: {type(exc).__name__}: {exc}"
        return replace(entry, factory=_unloadable(why), check=lambda _env: why)
    if isinstance(target, JudgeEntry):
        return replace(target, name=entry.name, distribution=entry.distribution)
    doc = (getattr(target, "__doc__", None) or "").strip().splitlines()
    return replace(entry, factory=target, description=doc[0] if doc else entry.description)


def _unloadable(why: str) -> JudgeFactory:
    def factory(**_: Any) -> Judge:
        raise JudgeConfigError(why)

    return factory


def judge_names() -> tuple[str, ...]:
    """The names ``--judge`` accepts besides ``auto``, in listing order."""
    return tuple(entry.name for entry in _REGISTRY.entries())


def judge_choices() -> tuple[str, ...]:
    """``auto`` and every registered judge name."""
    return (AUTO, *judge_names())


def judges_taking(option: str) -> tuple[str, ...]:
    """The judges whose factory takes ``option`` (as registered; plugins are not imported)."""
    return tuple(entry.name for entry in _REGISTRY.entries() if entry.takes(option))


def find_judge(name: str) -> JudgeEntry:
    """The entry for ``name``; :class:`JudgeConfigError` names the known judges."""
    _REGISTRY.check_plugins()
    entry = _REGISTRY.get(name)
    if entry is None:
        known = ", ".join(sorted(judge_choices()))
        raise JudgeConfigError(f"unknown judge {name!r}: expected one of {known}")
    return _described(entry)


def register_judge(name: str, factory: JudgeFactory, **fields: Any) -> None:
    """Make ``make_judge(name)`` call ``factory`` (replacing any judge of that name).

    For programs and tests; installed plugins use the entry-point group instead.
    ``fields`` set the other :class:`JudgeEntry` fields (kept from the judge it
    replaces when not given).
    """
    base = _REGISTRY.get(name) or JudgeEntry(name, "", "", factory)
    _REGISTRY.overrides[name] = replace(base, factory=factory, check=None, **fields)


def unregister_judge(name: str) -> None:
    _REGISTRY.overrides.pop(name, None)


def forget_plugins() -> None:
    """Discover the entry-point plugins again on next use (after installing one)."""
    _REGISTRY.forget_plugins()


def resolve_judge_name(name: str, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The judge ``name`` stands for, and why (``auto`` looks at the environment)."""
    environ = os.environ if env is None else env
    if name != AUTO:
        return name, f"--judge {name}"
    if environ.get(KEY_ENV):
        return "anthropic", f"{KEY_ENV} is set"
    if environ.get(BASE_URL_ENV):
        return "openai", f"{KEY_ENV} is not set, {BASE_URL_ENV} is"
    return "local", f"neither {KEY_ENV} nor {BASE_URL_ENV} is set"


def make_judge(name: str, *, model: str | None = None, **options: Any) -> Judge:
    """A ready judge; raises :class:`JudgeConfigError` naming what is missing.

    Options set to None are left out (the judge's default holds).
    """
    resolved, _ = resolve_judge_name(name)
    entry = find_judge(resolved)
    kwargs = {k: v for k, v in options.items() if v is not None}
    if model is not None:
        kwargs["model"] = model
    factory = entry.load()
    try:
        return factory(**kwargs)
    except JudgeConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise JudgeConfigError(f"cannot set up the {resolved} judge: {exc}") from exc


__all__ = [
    "AUTO",
    "AUTO_RULE",
    "BASE_URL_OPTION",
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "KEY_ENV",
    "OFFLINE_OPTION",
    "TIMEOUT_OPTION",
    "Availability",
    "JudgeEntry",
    "JudgeFactory",
    "find_judge",
    "forget_plugins",
    "judge_choices",
    "judge_entries",
    "judge_names",
    "judges_taking",
    "make_judge",
    "register_judge",
    "resolve_judge_name",
    "unregister_judge",
]
