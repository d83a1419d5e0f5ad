"""`mogul serve` as a process: first start creates and prints a key once; the server answers with it."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import httpx

from ..conftest import MOGUL, subprocess_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(database: str, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*MOGUL, "serve", "--port", str(port), "--database", database, "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )


def wait_ready(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/ping", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    return err


def test_first_start_prints_a_key_once_then_never_again(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'served.db'}"
    port = free_port()
    proc = start(database, port)
    wait_ready(port, proc)
    r = httpx.get(f"http://127.0.0.1:{port}/v1/ping")
    assert r.status_code == 401
    assert 'id="api-key"' in httpx.get(f"http://127.0.0.1:{port}/").text  # the dashboard, without a key
    err = stop(proc)
    keys = re.findall(r"API key \(shown once, store it now\): (\w+)", err)
    assert len(keys) == 1
    assert f"mogul: dashboard at http://127.0.0.1:{port}/ (enter an API key)" in err

    proc = start(database, port)
    wait_ready(port, proc)
    r = httpx.post(f"http://127.0.0.1:{port}/v1/data_sources", auth=(keys[0], ""), json={"name": "Served"})
    assert r.status_code == 201
    err = stop(proc)
    assert "shown once" not in err and keys[0] not in err
    assert (tmp_path / "served.db").exists()
