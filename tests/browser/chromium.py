"""Drive Debian's headless Chromium from tests: dump the DOM after scripts ran, screenshot.

Only the command-line switches are used (``--dump-dom``, ``--screenshot``): no driver,
no browser download. Network access is cut off with a resolver rule, so a report
that tried to fetch anything would show it as a missing resource, not a request.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
TIMEOUT_S = 120


def chromium_path() -> str | None:
    override = os.environ.get("CHROMIUM")
    candidates = [override] if override else [*CHROMIUM_PATHS, shutil.which("chromium") or ""]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip(
            "headless Chromium not found at /usr/bin/chromium: install Debian's `chromium` "
            "package (.ci/run does) or set CHROMIUM=/path/to/chromium"
        )
    return path


def _run(url: str, work: Path, *extra: str) -> str:
    profile = work / f"profile-{len(list(work.glob('profile-*')))}"
    command = [
        require_chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        *extra,
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, cwd=work
    )
    if done.returncode != 0:
        raise AssertionError(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def dump_dom(page: Path, work: Path, fragment: str = "") -> str:
    """The page's DOM serialised after load (its scripts have run)."""
    return _run(page.resolve().as_uri() + fragment, work, "--dump-dom")


def dump_url(url: str, work: Path) -> str:
    """Like :func:`dump_dom` for a page served over HTTP (the viewer on 127.0.0.1)."""
    # Everything but the viewer's own address still resolves to nothing (the last
    # --host-resolver-rules wins).
    return _run(url, work, "--dump-dom", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")


def screenshot(page: Path, work: Path, out: Path, size: tuple[int, int] = (1280, 2000)) -> Path:
    """A PNG of the page's top ``size`` pixels."""
    _run(
        page.resolve().as_uri(),
        work,
        f"--screenshot={out.resolve()}",
        f"--window-size={size[0]},{size[1]}",
        "--hide-scrollbars",
    )
    return out


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
