"""Entry point of the ``constitution`` console command.

Each ``cli/*_cmd.py`` module registers its commands on :data:`cli._app.app`;
importing them here wires the whole surface. Errors of the library packages are
turned into one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

from checker.errors import CheckerError
from checker.secrets import scrub_secrets
from cli import (
    audit_cmd,  # noqa: F401  (registers commands)
    batches_cmd,  # noqa: F401  (registers commands)
    calibrate_cmd,  # noqa: F401  (registers commands)
    check_cmd,  # noqa: F401  (registers commands)
    config_cmd,  # noqa: F401  (registers commands)
    constitution_cmd,  # noqa: F401  (registers commands)
    diff_cmd,  # noqa: F401  (registers commands)
    distill_cmd,  # noqa: F401  (registers commands)
    format_cmd,  # noqa: F401  (registers commands)
    judges_cmd,  # noqa: F401  (registers commands)
    runs_cmd,  # noqa: F401  (registers commands)
    store_cmd,  # noqa: F401  (registers commands)
    transcripts_cmd,  # noqa: F401  (registers commands)
    transcripts_export_cmd,  # noqa: F401  (registers commands)
    view_cmd,  # noqa: F401  (registers commands)
)
from cli._app import app
from constitution.errors import ConstitutionError, ConstitutionLoadError

EXIT_USAGE = 2


def main() -> None:
    """Run the CLI; library errors exit with code 2 and a message naming file and line."""
    try:
        app(standalone_mode=True)
    except ConstitutionLoadError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except (ConstitutionError, CheckerError) as exc:
        print(f"error: {scrub_secrets(str(exc))}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


__all__ = ["app", "main"]
