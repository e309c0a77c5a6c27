"""The HTTP side of ``constitution view``: the standard library's threading server.

Security, in the order a request meets it: the server binds 127.0.0.1 unless told
otherwise; a request whose ``Host`` header is not one of the server's own names is
refused (421), so a web page that points its own host name at 127.0.0.1 (DNS
rebinding) cannot read the store; only GET and HEAD are answered; every page is
sent with the reports' Content-Security-Policy as a header (no script but the
page's own, nothing fetched, no forms), ``nosniff``, no referrer, no framing, and
``no-store``. Each request opens the store read-only (``mode=ro``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from checker.errors import CheckerError
from checker.output.html import content_security_policy
from checker.store import Store, StoreError, open_store
from checker.view._pages import (
    NotFound,
    RunQuery,
    diff_page,
    run_page,
    runs_page,
    transcript_page,
)
from checker.view._summary import SummaryCache

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
CHUNK = 64 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def security_headers() -> dict[str, str]:
    """Sent with every response, pages and errors alike."""
    return {
        "Content-Security-Policy": content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


class ViewServer(ThreadingHTTPServer):
    """Serves one results store, read-only. ``url`` is where it listens."""

    daemon_threads = True

    def __init__(self, db_path: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.db_path = db_path
        open_store(db_path, read_only=True).close()  # fail now, not on the first request
        super().__init__((host, port), ViewHandler)
        self.cache = SummaryCache(db_path)
        bound_port = self.server_address[1]
        names = {*LOOPBACK_NAMES, host if ":" not in host else f"[{host}]"}
        self.allowed_hosts = frozenset(f"{name}:{bound_port}" for name in names)

    @property
    def url(self) -> str:
        host = self.server_address[0]
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else str(host)
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.server_address[1]}/"


class ViewHandler(BaseHTTPRequestHandler):
    server: ViewServer
    server_version = "constitution-view"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _refuse_method(self) -> None:
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, "read-only viewer: GET and HEAD only")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(
            f"view: {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}\n"
        )

    # -- answering --------------------------------------------------------------------
    def _answer(self, *, body: bool) -> None:
        host = self.headers.get("Host", "")
        if host.lower() not in self.server.allowed_hosts:
            self._plain(HTTPStatus.MISDIRECTED_REQUEST, "unknown Host header: refused", body)
            return
        address = urlsplit(self.path)
        params = dict(parse_qsl(address.query))
        try:
            with open_store(self.server.db_path, read_only=True) as store:
                page = self._route(store, address.path, params)
                self._send_page(page, body)
        except NotFound as exc:
            self._plain(HTTPStatus.NOT_FOUND, str(exc), body)
        except StoreError as exc:
            status = HTTPStatus.NOT_FOUND if "no run" in str(exc) else HTTPStatus.BAD_REQUEST
            self._plain(status, str(exc), body)
        except CheckerError as exc:
            self._plain(HTTPStatus.BAD_REQUEST, str(exc), body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away

    def _route(self, store: Store, path: str, params: dict[str, str]) -> Iterable[str]:
        if path == "/":
            return runs_page(store)
        if path.startswith("/runs/") and path[len("/runs/") :].isdigit():
            run_id = int(path[len("/runs/") :])
            return run_page(store, self.server.cache, run_id, RunQuery.parse(params))
        if path == "/diff":
            return diff_page(store, params.get("before", ""), params.get("after", ""))
        if path == "/transcript":
            return transcript_page(store, params.get("id", ""))
        raise NotFound(f"nothing at {path}")

    def _headers(self, status: HTTPStatus, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in security_headers().items():
            self.send_header(name, value)
        self.end_headers()

    def _send_page(self, page: Iterable[str], body: bool) -> None:
        """Stream the page: the browser draws its top while the rest is still rendered."""
        self._headers(HTTPStatus.OK, "text/html; charset=utf-8")
        if not body:
            return
        for chunk in _chunks(page):
            self.wfile.write(chunk)
            self.wfile.flush()

    def _plain(self, status: HTTPStatus, message: str, body: bool = True) -> None:
        self._headers(status, "text/plain; charset=utf-8")
        if body:
            self.wfile.write(f"{status.value} {status.phrase}: {message}\n".encode())


def _chunks(page: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for piece in page:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def make_server(
    db_path: Path | str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> ViewServer:
    """A viewer over the store at ``db_path``, bound but not yet serving (port 0: any free)."""
    return ViewServer(Path(db_path), host, port)


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ViewServer", "make_server", "security_headers"]
