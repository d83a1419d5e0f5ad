"""Crash safety with a real `mogul serve`: kill -9 in the middle of a stream of writes leaves a consistent
database (SQLite and PostgreSQL); two uvicorn workers on one PostgreSQL database give correct results."""

from __future__ import annotations

import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from mogul.server.store import Database, schema
from mogul.server.store.data_sources import DEFAULT_INVOICE_HANDLING
from mogul.server.store.keys import create_key

from .processes import serving

WRITERS = 6
UUID_DS = re.compile(r"^ds_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NO_LIMITS = ("--rate-limit", "0", "--max-connections", "0", "--log-level", "warning")

# Each workload is a stream of writes whose every 201 must survive the kill and whose every refused or
# unanswered write must leave nothing half-written. The invoice import joins here when it lands.


def _hammer(base_url: str, key: str, writer: int, outcomes: dict[str, int | str], stop: threading.Event) -> None:
    with httpx.Client(base_url=base_url, auth=(key, ""), timeout=30) as http:
        for i in count():
            if stop.is_set():
                return
            name = f"writer {writer} item {i}"
            try:
                outcomes[name] = http.post("/v1/data_sources", json={"name": name}).status_code
            except httpx.TransportError:
                outcomes[name] = "unanswered"  # in flight when the server died: stored or not, never half
                return


def _stored_rows(db: Database) -> list:
    with db.read() as conn:
        return list(conn.execute(select(schema.data_sources)))


def _assert_complete(row: object) -> None:
    assert UUID_DS.match(row.uuid), row
    assert row.name.startswith("writer ") and row.system == "Custom"
    assert row.created_at > 0
    assert (row.processed, row.failed) == (0, 0)
    assert row.invoice_handling == DEFAULT_INVOICE_HANDLING


@pytest.mark.slow
def test_kill_9_during_writes_leaves_the_database_consistent(
    database_url: str, db: Database, rw_key: str, tmp_path: Path
) -> None:
    outcomes: dict[str, int | str] = {}
    stop = threading.Event()
    with serving(database_url, tmp_path / "serve.log", *NO_LIMITS) as server:
        threads = [
            threading.Thread(target=_hammer, args=(server.base_url, rw_key, w, outcomes, stop)) for w in range(WRITERS)
        ]
        for t in threads:
            t.start()
        # Wait for a random moment once writes are flowing, then kill without warning.
        deadline = time.monotonic() + 60
        while sum(s == 201 for s in list(outcomes.values())) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(random.uniform(0.0, 0.5))
        server.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=60)

    statuses = set(outcomes.values())
    assert statuses <= {201, "unanswered"}, statuses
    confirmed = {n for n, s in outcomes.items() if s == 201}
    unanswered = {n for n, s in outcomes.items() if s == "unanswered"}
    assert len(confirmed) >= 20 and len(unanswered) <= WRITERS

    with serving(database_url, tmp_path / "restart.log", *NO_LIMITS) as server:
        rows = _stored_rows(db)
        for row in rows:
            _assert_complete(row)
        stored = {row.name for row in rows}
        assert confirmed <= stored, "a write that got 201 was lost"
        assert stored - confirmed <= unanswered, "a row appeared that no client wrote"
        if db.dialect == "sqlite":
            with db.read() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # The restarted server serves the same rows and takes new writes.
        with httpx.Client(base_url=server.base_url, auth=(rw_key, "")) as http:
            listed = http.get("/v1/data_sources").json()["data_sources"]
            assert {s["name"] for s in listed} == stored
            assert http.post("/v1/data_sources", json={"name": "after the crash"}).status_code == 201


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_on_one_postgresql_database(pg_schema_url: str, tmp_path: Path) -> None:
    db = Database(pg_schema_url)
    db.migrate()
    key = create_key(db, "workers", "read-write")[0]
    log = tmp_path / "serve.log"
    with serving(pg_schema_url, log, "--workers", "2", "--rate-limit", "0", "--max-connections", "0") as server:

        def create(name: str) -> httpx.Response:
            with httpx.Client(base_url=server.base_url, auth=(key, ""), timeout=60) as http:
                return http.post("/v1/data_sources", json={"name": name})

        with ThreadPoolExecutor(max_workers=50) as pool:
            same = list(pool.map(create, ["Contended"] * 50))
            distinct = list(pool.map(create, [f"source {i}" for i in range(40)]))
        assert sorted(r.status_code for r in same) == [201] + [422] * 49
        assert {r.status_code for r in distinct} == {201}
        with httpx.Client(base_url=server.base_url, auth=(key, "")) as http:
            listed = {s["name"] for s in http.get("/v1/data_sources").json()["data_sources"]}
        assert listed == {"Contended"} | {f"source {i}" for i in range(40)}
        # Both workers really started and served on the same database.
        assert len(set(re.findall(r"Started server process \[(\d+)\]", server.log()))) == 2
    db.dispose()
