"""Run the server inside this process on a background thread: for `mogul demo`, tests and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import create_app
from .settings import ServerSettings
from .store import Database


class EmbeddedServer:
    """`with EmbeddedServer(Database(url)) as srv: ... srv.base_url ...`; listens on a free loopback port.

    `settings` as for `create_app`: by default no rate limits and no faults; e.g.
    `ServerSettings(faults="500=0.1,reset=0.05", fault_seed=1)` or `ServerSettings.chartmogul()`.
    With `processing=False` no background processor runs: imports stay queued (their data sources `working`)
    until the caller runs `processing.drain(db)`, so a test can see that state for as long as it needs.
    """

    def __init__(
        self,
        database: Database | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        settings: ServerSettings | None = None,
        processing: bool = True,
    ) -> None:
        self.app = create_app(database, settings)
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level=log_level, lifespan="on" if processing else "off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> EmbeddedServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.stop()
