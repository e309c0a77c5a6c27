"""The ``constitution`` CLI with a slow stub as the local judge (for the Ctrl-C test).

``python -m tests.cli.slow_cli LOG DELAY check ...``
"""

from __future__ import annotations

import sys
from pathlib import Path

from checker.judges import register_judge
from cli.app import main
from tests.checker.stub_judge import StubJudge

if __name__ == "__main__":
    log, delay = Path(sys.argv[1]), float(sys.argv[2])
    register_judge("local", lambda model=None: StubJudge(delay=delay, log=log))
    sys.argv = ["constitution", *sys.argv[3:]]
    main()
