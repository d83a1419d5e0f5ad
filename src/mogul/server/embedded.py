"""Run the server inside this process on a background thread (for `mogul demo`, tests and benchmarks), or as
`mogul serve` in a child process (`mogul demo generate`)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
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
        if self.app.state.writer is not None:  # the lifespan closes it, unless it was off
            self.app.state.writer.close()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.stop()


class ServerProcess:
    """`mogul serve` in a child process on a free loopback port, without rate limits: `with ServerProcess(url) as
    srv: ... srv.base_url ...`. The database must be migrated and hold a key already.

    A server on a thread of the importing process shares its GIL with the client, so a bulk import through it
    uses one core at most; in its own process the server and the client each have one.
    """

    def __init__(self, database_url: str, *, host: str = "127.0.0.1", log_level: str = "warning") -> None:
        self.database_url = database_url
        self.host = host
        self.log_level = log_level
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  (the child's stderr, read if it fails to start)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0, attempts: int = 3) -> ServerProcess:
        for attempt in range(1, attempts + 1):
            # Another process may take the probed port before the child binds it: then try another.
            self.port = _free_port(self.host)
            command = [sys.executable, "-m", "mogul", "serve", "--host", self.host, "--port", str(self.port)]
            command += ["--database", self.database_url, "--log-level", self.log_level]
            command += ["--rate-limit", "0", "--max-connections", "0"]
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
            )
            deadline = time.monotonic() + timeout
            while self._proc.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=1):
                    return self
                time.sleep(0.05)
            self.stop()
            if attempt == attempts:
                break
        self._log.seek(0)
        tail = self._log.read().decode(errors="replace")[-2000:]
        raise RuntimeError(f"the server process did not start: {tail.strip() or 'no output'}")

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.stop()
        self._log.close()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
