"""A loopback HTTP server speaking the OpenAI chat completions API, for tests and benchmarks.

    with FakeOpenAI(FakeOpenAIConfig(latency_s=0.1, rpm=600)) as api:
        client = AsyncOpenAI(api_key="test", base_url=api.base_url)
        ...
        assert api.stats.rate_limited == 0

The HTTP plumbing (latency, hangs, truncated bodies, commit after send) is the fake
Messages API's; only the backend differs.
"""

from __future__ import annotations

import threading
from types import TracebackType

from tests.fakeapi.server import _Server
from tests.fakeopenai.backend import FakeOpenAIBackend, FakeOpenAIConfig, Stats


class FakeOpenAI:
    """Start the fake server on a free 127.0.0.1 port in a background thread."""

    def __init__(self, config: FakeOpenAIConfig | None = None, *, keep_bodies: bool = False):
        self.backend = FakeOpenAIBackend(config, keep_bodies=keep_bodies)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def config(self) -> FakeOpenAIConfig:
        return self.backend.config

    @property
    def stats(self) -> Stats:
        return self.backend.stats

    @property
    def base_url(self) -> str:
        """The server's root with ``/v1``, as ``OPENAI_BASE_URL`` takes it."""
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._server = _Server(self.backend)  # type: ignore[arg-type]
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

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
