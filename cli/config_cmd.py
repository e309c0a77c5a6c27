"""``constitution config``: the effective settings, and where each came from.

Precedence: a command's flag > environment variable > project config file
(``constitution.toml``, or ``[tool.constitution]`` in ``pyproject.toml``, the nearest
upwards from the working directory) > built-in default.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from checker.config import CONFIG_FILE, Config
from cli._app import app
from cli._config import settings
from cli._help import CHECK
from cli._tables import print_rows


class ConfigFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command("config", rich_help_panel=CHECK)
def config_command(
    output_format: Annotated[
        ConfigFormat, typer.Option("--format", help="table, or JSON (one object).")
    ] = ConfigFormat.TABLE,
) -> None:
    """Print the effective settings and where each came from (flag, environment, file).

    \b
    Example:
      constitution config --format json
    """
    config = settings()
    if output_format is ConfigFormat.JSON:
        typer.echo(json.dumps(_as_json(config), indent=2))
        return
    console = Console(highlight=False)
    if config.file is None:
        console.print(
            f"config file: none (no {CONFIG_FILE}, and no pyproject.toml with"
            " [tool.constitution], here or above)",
            markup=False,
        )
    else:
        console.print(f"config file: {config.file}", markup=False, soft_wrap=True)
    rows = [
        (key.name, f"({key.unset})" if s.value is None else str(s.value), s.source, key.env)
        for key, s in config.settings()
    ]
    print_rows(console, ("setting", "value", "from", "environment"), rows)


def _as_json(config: Config) -> dict[str, object]:
    return {
        "file": None if config.file is None else str(config.file),
        "settings": {
            key.name: {
                "value": None if s.value is None else str(s.value),
                "origin": s.origin.value,
                "source": s.source,
                "env": key.env,
            }
            for key, s in config.settings()
        },
    }
