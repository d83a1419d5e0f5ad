"""Crash safety with a real `mogul serve`: kill -9 in the middle of a stream of writes leaves a consistent
database (SQLite and PostgreSQL); two uvicorn workers on one PostgreSQL database give correct results."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from mogul.server.store import Database, schema
from mogul.server.store.data_sources import DEFAULT_INVOICE_HANDLING
from mogul.server.store.keys import create_key

from .conftest import invoice
from .processes import serving

WRITERS = 6
UUID_DS = re.compile(r"^ds_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NO_LIMITS = ("--rate-limit", "0", "--max-connections", "0", "--log-level", "warning")

# Each workload is a stream of writes from several clients: every write that got a 201 must survive the kill,
# every write refused or unanswered must leave nothing half-written. A write is named by a key; `stored(db)`
# maps each key found in the database to whether its rows are complete.

INVOICES_PER_REQUEST = 4
PAYMENT = {"type": "payment", "date": "2020-01-01 00:00:00 UTC", "result": "successful"}


class DataSourceCreates:
    def setup(self, http: httpx.Client) -> None:
        pass

    def key(self, writer: int, i: int) -> str:
        return f"writer {writer} item {i}"

    def send(self, http: httpx.Client, key: str, _writer: int) -> int:
        return http.post("/v1/data_sources", json={"name": key}).status_code

    def stored(self, db: Database) -> dict[str, bool]:
        with db.read() as conn:
            rows = list(conn.execute(select(schema.data_sources)))
        return {row.name: _complete_source(row) for row in rows}


def _complete_source(row: object) -> bool:
    return bool(
        UUID_DS.match(row.uuid)
        and row.name.startswith("writer ")
        and row.system == "Custom"
        and row.created_at > 0
        and row.auto_churn_enabled is False
        and row.invoice_handling == DEFAULT_INVOICE_HANDLING
    )


class InvoiceImports:
    """`POST /v1/import/customers/{uuid}/invoices` with 4 invoices of 2 line items and a payment each, one
    customer per writer: a request is all its invoices with all their items, or nothing."""

    def setup(self, http: httpx.Client) -> None:
        source = http.post("/v1/data_sources", json={"name": "Billing"}).json()
        self.plan = http.post(
            "/v1/plans",
            json={"data_source_uuid": source["uuid"], "name": "Gold", "interval_count": 1, "interval_unit": "month"},
        ).json()["uuid"]
        self.customers = [
            http.post(
                "/v1/customers", json={"data_source_uuid": source["uuid"], "external_id": f"cus_{w}", "name": f"C{w}"}
            ).json()["uuid"]
            for w in range(WRITERS)
        ]

    def key(self, writer: int, i: int) -> str:
        return f"w{writer}r{i}"

    def send(self, http: httpx.Client, key: str, writer: int) -> int:
        batch = [
            invoice(
                self.plan,
                n=0,
                external_id=f"{key}k{k}",
                date=f"2020-01-{k + 1:02d} 00:00:00 UTC",
                line_items=[
                    {
                        "type": "subscription",
                        "subscription_external_id": f"sub_{writer}",
                        "plan_uuid": self.plan,
                        "service_period_start": f"2020-01-{k + 1:02d} 00:00:00 UTC",
                        "service_period_end": f"2020-02-{k + 1:02d} 00:00:00 UTC",
                        "amount_in_cents": 1000,
                        "external_id": f"{key}k{k}li",
                    },
                    {"type": "one_time", "description": "Setup", "amount_in_cents": 500, "external_id": f"{key}k{k}ot"},
                ],
                transactions=[
                    {
                        "type": "payment",
                        "date": "2020-01-01 00:00:00 UTC",
                        "result": "successful",
                        "external_id": f"{key}k{k}tr",
                    }
                ],
            )
            for k in range(INVOICES_PER_REQUEST)
        ]
        return http.post(
            f"/v1/import/customers/{self.customers[writer]}/invoices", json={"invoices": batch}
        ).status_code

    def stored(self, db: Database) -> dict[str, bool]:
        with db.read() as conn:
            invoices = {row.id: row.external_id for row in conn.execute(select(schema.invoices))}
            items = Counter(row.invoice_id for row in conn.execute(select(schema.line_items.c.invoice_id)))
            payments = Counter(row.invoice_id for row in conn.execute(select(schema.transactions.c.invoice_id)))
        per_request: dict[str, list[bool]] = defaultdict(list)
        for invoice_id, external_id in invoices.items():
            per_request[external_id.split("k")[0]].append(items[invoice_id] == 2 and payments[invoice_id] == 1)
        return {key: len(done) == INVOICES_PER_REQUEST and all(done) for key, done in per_request.items()}


WORKLOADS = {"data_source_creates": DataSourceCreates, "invoice_imports": InvoiceImports}


def _hammer(
    base_url: str,
    key: str,
    workload: DataSourceCreates | InvoiceImports,
    writer: int,
    outcomes: dict[str, int | str],
    stop: threading.Event,
) -> None:
    with httpx.Client(base_url=base_url, auth=(key, ""), timeout=30) as http:
        for i in count():
            if stop.is_set():
                return
            name = workload.key(writer, i)
            try:
                outcomes[name] = workload.send(http, name, writer)
            except httpx.TransportError:
                outcomes[name] = "unanswered"  # in flight when the server died: stored or not, never half
                return


@pytest.mark.slow
@pytest.mark.parametrize("workload_name", sorted(WORKLOADS))
def test_kill_9_during_writes_leaves_the_database_consistent(
    database_url: str, db: Database, rw_key: str, tmp_path: Path, workload_name: str
) -> None:
    workload = WORKLOADS[workload_name]()
    outcomes: dict[str, int | str] = {}
    stop = threading.Event()
    with serving(database_url, tmp_path / "serve.log", *NO_LIMITS) as server:
        with httpx.Client(base_url=server.base_url, auth=(rw_key, ""), timeout=30) as http:
            workload.setup(http)
        threads = [
            threading.Thread(target=_hammer, args=(server.base_url, rw_key, workload, w, outcomes, stop))
            for w in range(WRITERS)
        ]
        for t in threads:
            t.start()
        # Wait for a random moment once writes are flowing, then kill without warning.
        deadline = time.monotonic() + 60
        while sum(s == 201 for s in list(outcomes.values())) < 10 and time.monotonic() < deadline:
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
    assert len(confirmed) >= 10 and len(unanswered) <= WRITERS

    with serving(database_url, tmp_path / "restart.log", *NO_LIMITS) as server:
        stored = workload.stored(db)
        incomplete = sorted(k for k, complete in stored.items() if not complete)
        assert not incomplete, f"partly written: {incomplete}"
        assert confirmed <= set(stored), "a write that got 201 was lost"
        assert set(stored) - confirmed <= unanswered, "a write appeared that no client sent"
        if db.dialect == "sqlite":
            with db.read() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # The restarted server takes new writes.
        with httpx.Client(base_url=server.base_url, auth=(rw_key, "")) as http:
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
