"""Server test fixtures: Import API objects created over HTTP, an invoice builder, and servers started with
non-default `ServerSettings` (rate limits, faults, request limits), and the official client pointed at the server."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import chartmogul
import httpx
import pytest

from mogul.server.embedded import EmbeddedServer
from mogul.server.settings import ServerSettings
from mogul.server.store import Database

_counter = itertools.count()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database of its own, whatever database the suite runs on (for SQLite-only behaviour)."""
    db = Database(f"sqlite:///{tmp_path / 'own.db'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def source(api: httpx.Client) -> dict[str, Any]:
    return api.post("/data_sources", json={"name": "In-house billing"}).json()


@pytest.fixture
def customer(api: httpx.Client, source: dict[str, Any]) -> dict[str, Any]:
    r = api.post(
        "/customers",
        json={"data_source_uuid": source["uuid"], "external_id": "cus_001", "name": "Adam Smith", "email": "a@x.com"},
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def plan(api: httpx.Client, source: dict[str, Any]) -> dict[str, Any]:
    r = api.post(
        "/plans",
        json={
            "data_source_uuid": source["uuid"],
            "name": "Gold monthly",
            "interval_count": 1,
            "interval_unit": "month",
            "external_id": "gold_monthly",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def invoice(plan_uuid: str, *, n: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid invoice with one subscription line item, one one-time item and one payment; unique external ids."""
    n = next(_counter) if n is None else n
    body: dict[str, Any] = {
        "external_id": f"inv_{n}",
        "date": "2016-01-01 12:00:00 UTC",
        "currency": "USD",
        "due_date": "2016-01-07 12:00:00 UTC",
        "line_items": [
            {
                "type": "subscription",
                "subscription_external_id": "sub_1",
                "subscription_set_external_id": "set_1",
                "plan_uuid": plan_uuid,
                "service_period_start": "2016-01-01 12:00:00 UTC",
                "service_period_end": "2016-02-01 12:00:00 UTC",
                "amount_in_cents": 1000,
                "quantity": 5,
                "discount_amount_in_cents": 1200,
                "discount_code": "DISCCODE",
                "tax_amount_in_cents": 200,
                "external_id": f"li_{n}",
            },
            {"type": "one_time", "description": "Setup Fees", "amount_in_cents": 2500, "quantity": 1},
        ],
        "transactions": [
            {"type": "payment", "date": "2016-01-01 12:00:00 UTC", "result": "successful", "external_id": f"tr_{n}"}
        ],
    }
    body.update(overrides)
    return body


# Servers with non-default `ServerSettings` (rate limits, faults, request limits).
StartServer = Callable[..., EmbeddedServer]


@pytest.fixture
def start_server(db: Database) -> Iterator[StartServer]:
    """`start_server(ServerSettings(...))` -> a running server on the test's database, stopped afterwards."""
    started: list[EmbeddedServer] = []

    def start(settings: ServerSettings | None = None, **kwargs: object) -> EmbeddedServer:
        srv = EmbeddedServer(db, settings=settings, **kwargs).start()  # type: ignore[arg-type]
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


# ChartMogul's own client (chartmogul 4.11.0), unchanged, pointed at the test server.
@pytest.fixture
def config(server: EmbeddedServer, rw_key: str) -> chartmogul.Config:
    cfg = chartmogul.Config(rw_key, max_retries=0)
    cfg.uri = f"{server.base_url}/v1"
    return cfg


@pytest.fixture
def ds(config: chartmogul.Config) -> Any:
    return chartmogul.DataSource.create(config, data={"name": "In-house billing"}).get()
