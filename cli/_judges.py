"""The ``--judge``, ``--model`` and ``--timeout`` options, all from the judge registry.

No command names a judge: the choices, the help text and the options a judge takes
come from :mod:`checker.judges.registry`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from checker.judges import (
    TIMEOUT_OPTION,
    Judge,
    find_judge,
    judge_choices,
    judge_entries,
    make_judge,
    resolve_judge_name,
)
from checker.judges.registry import AUTO_RULE, BASE_URL_OPTION, OFFLINE_OPTION, judges_taking
from cli._config import judge_settings

if TYPE_CHECKING:
    JudgeChoice = StrEnum
else:
    JudgeChoice = StrEnum("JudgeChoice", {name: name for name in judge_choices()})
"""``auto`` and every registered judge (built-in and installed plugins)."""

DEFAULT_JUDGE: Any = None
"""``auto``, unless the environment (``CONSTITUTION_JUDGE``) or project config says."""
JUDGE_HELP = (
    f"Judge: {', '.join(judge_choices()[1:])}, or auto = {AUTO_RULE}."
    " `constitution judges` lists them. Default: auto, or the project config's."
)
SCREEN_OPTION = "screen_model"
OPTION_FLAGS = {
    TIMEOUT_OPTION: "--timeout",
    BASE_URL_OPTION: "--base-url",
    SCREEN_OPTION: "--screen-model",
}
"""The CLI flag of each judge factory option (for error messages)."""

JudgeOption = Annotated[
    JudgeChoice | None, typer.Option("--judge", help=JUDGE_HELP, show_default=False)
]
ModelOption = Annotated[
    str | None,
    typer.Option(help="Judge model (default: the project config's, else the judge's)."),
]
ScreenModelOption = Annotated[
    Path | None,
    typer.Option(
        "--screen-model",
        help="The screening local judge's model file (from `distill`), with --judge"
        f" {' or '.join(judges_taking(SCREEN_OPTION))}.",
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=0.001,
        help="Seconds one request to a model judge may take before it is retried"
        " (default: the judge's).",
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="The server to judge with, e.g. http://127.0.0.1:8000/v1, with --judge"
        f" {' or '.join(judges_taking(BASE_URL_OPTION))} (default: $OPENAI_BASE_URL,"
        " else OpenAI's).",
    ),
]


MaxCostOption = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        min=0.0,
        metavar="USD",
        help="Start no judgment that would take the spend past USD (by the judge's estimate),"
        " and stop once the measured spend reaches it; finished work is kept, the rest is"
        " reported not graded.",
    ),
]


def build_judge(
    choice: str | None,
    model: str | None,
    timeout: float | None = None,
    *,
    dry_run: bool = False,
    **options: Any,
) -> Judge:
    """The judge ``choice`` names (None: the environment's or project config's), after
    saying on stderr which it is and why.

    An option the judge does not take (``--timeout`` for the local judge) is a usage
    error naming the judges that take it. With ``dry_run`` a judge that can estimate
    offline is built without a client (no key, no network).
    """
    configured = judge_settings(None if choice is None else str(choice), model)
    model = configured.model
    options = {**configured.options, **{k: v for k, v in options.items() if v is not None}}
    name, reason = resolve_judge_name(configured.choice, configured.env)
    typer.echo(f"judge: {name} ({configured.why(name, reason)})", err=True)
    given = {k: v for k, v in {TIMEOUT_OPTION: timeout, **options}.items() if v is not None}
    entry = find_judge(name)
    if dry_run and entry.takes(OFFLINE_OPTION):
        given[OFFLINE_OPTION] = True
    for option in given:
        if not entry.takes(option):
            takers = [e.name for e in judge_entries() if e.takes(option)]  # plugins too
            raise typer.BadParameter(
                f"only with --judge {' or '.join(takers)}",
                param_hint=OPTION_FLAGS.get(option, option),
            )
    return make_judge(name, model=model, **given)
