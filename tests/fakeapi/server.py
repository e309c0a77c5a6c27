"""A loopback HTTP server speaking the Messages API, for tests and benchmarks.

    with FakeMessagesAPI(FakeConfig(latency_s=0.1, rpm=600)) as api:
        client = AsyncAnthropic(api_key="test", base_url=api.base_url)
        ...
        assert api.stats.rate_limited == 0

:func:`mock_transport` drives the same backend in-process (no sockets), for
measuring the client's own overhead.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import httpx2

from tests.fakeapi.backend import FakeBackend, FakeConfig, Stats


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default per-request stderr log."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        backend = self.server.backend
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        stats = backend.stats
        with backend._lock:
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            response = backend.handle(self.command, self.path, dict(self.headers.items()), body)
            if response.hang:
                self.server.stopping.wait(backend.config.hang_s)
                self.close_connection = True
                return
            if response.delay_s:
                time.sleep(response.delay_s)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            if response.truncate:
                self.send_header("connection", "close")
                self.end_headers()
                self.wfile.write(response.body[: len(response.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.end_headers()
            self.wfile.write(response.body)
            self.wfile.flush()
            backend.commit(response)
        finally:
            with backend._lock:
                stats.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, backend: FakeBackend) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.backend = backend
        self.stopping = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (timeouts, closed pools) are normal here: stay quiet."""


class FakeMessagesAPI:
    """Start the fake server on a free 127.0.0.1 port in a background thread."""

    def __init__(self, config: FakeConfig | None = None, *, keep_bodies: bool = False) -> None:
        self.backend = FakeBackend(config, keep_bodies=keep_bodies)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def config(self) -> FakeConfig:
        return self.backend.config

    @property
    def stats(self) -> Stats:
        return self.backend.stats

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeMessagesAPI:
        self._server = _Server(self.backend)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def __enter__(self) -> FakeMessagesAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def mock_transport(backend: FakeBackend) -> httpx2.MockTransport:
    """An in-process transport over ``backend`` (latency, hangs and truncation ignored)."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        response = backend.handle(
            request.method, request.url.raw_path.decode(), dict(request.headers), request.content
        )
        backend.commit(response)
        return httpx2.Response(response.status, headers=response.headers, content=response.body)

    return httpx2.MockTransport(handler)
