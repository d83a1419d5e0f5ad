"""`mogul serve` as a child process, for the tests that need a real process: kill -9, workers, logs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ..conftest import MOGUL, subprocess_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """A running `mogul serve`; its stdout and stderr go to a file, read with `.log()`."""

    def __init__(self, database: str, log_path: Path, *args: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [*MOGUL, "serve", "--port", str(self.port), "--database", database, *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=subprocess_env(),
            start_new_session=True,  # its own process group: kill -9 reaches uvicorn's workers too
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"mogul serve exited {self.proc.returncode}:\n{self.log()}")
            try:
                httpx.get(f"{self.base_url}/openapi.json", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"mogul serve did not start:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self._log.close()


@contextmanager
def serving(database: str, log_path: Path, *args: str) -> Iterator[ServeProcess]:
    proc = ServeProcess(database, log_path, *args)
    try:
        yield proc
    finally:
        proc.stop()
