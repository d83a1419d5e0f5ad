"""`ServerProcess`: `mogul serve` in a child process, as `mogul demo generate` runs it."""

from __future__ import annotations

import httpx
import pytest

from mogul.server.embedded import ServerProcess
from mogul.server.store import Database
from mogul.server.store.keys import create_key


def test_serves_the_database_without_rate_limits_and_stops(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'child.db'}"
    db = Database(url)
    db.migrate()
    key, _ = create_key(db, "t", "read-write")
    db.dispose()
    with ServerProcess(url) as server:
        assert server._proc is not None
        pid_alive = server._proc.poll() is None
        with httpx.Client(base_url=f"{server.base_url}/v1", auth=(key, "")) as http:
            # Past ChartMogul's 40 requests/s, which `mogul serve` enforces by default.
            statuses = {http.get("/ping").status_code for _ in range(60)}
            created = http.post("/data_sources", json={"name": "from the child"})
    assert pid_alive
    assert statuses == {200}
    assert created.status_code == 201
    assert server._proc is None
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base_url}/v1/ping", timeout=2)
    # What the child wrote is in the database the parent named.
    db = Database(url)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT name FROM data_sources").scalars().all() == ["from the child"]
    db.dispose()


def test_a_child_that_cannot_start_says_why(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="did not start"):
        ServerProcess("nosuchdialect://x").start(timeout=20, attempts=1)
