"""Targets for the source tests: `mogul serve` (the streams it already answers) and the stand-in
API of fake_api.py (every stream), both real HTTP servers on loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mogul.client import NO_RETRY, Client
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database
from mogul.server.store.keys import create_key

from .fake_api import API_KEY, FakeServer, generate

# The streams `mogul serve` answers today; each joins when its endpoint lands (import-api, metrics).
SERVE_STREAMS = {"data_sources", "customers", "plans", "invoices"}


@dataclass
class Target:
    name: str
    base_url: str
    api_key: str
    streams: set[str] | None
    extra: dict[str, Any] = field(default_factory=dict)

    def config(self, **overrides: Any) -> dict[str, Any]:
        config = {
            "api_key": self.api_key,
            "start_date": "2023-01-01T00:00:00Z",
            "base_url": self.base_url,
            "requests_per_second": 1000,
            "lookback_window_days": 0,
            "window_days": 60,
            "max_attempts": 2,
        }
        config.update(overrides)
        return config


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeServer]:
    with FakeServer(generate(customers=120, activities=1500, days=400)) as srv:
        yield srv


@pytest.fixture(scope="module")
def serve_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('serve') / 'mogul.db'}")
    db.migrate()
    key = create_key(db, "source-tests", "read-only")[0]
    writer = create_key(db, "seed", "read-write")[0]
    with EmbeddedServer(db) as srv:
        with Client(writer, srv.base_url, retry=NO_RETRY) as cm:
            ds = cm.data_sources.create("In-house billing").uuid
            cm.data_sources.create("Enterprise billing connection")
            plan = cm.plans.create(ds, "Gold monthly", interval_count=1, interval_unit="month", external_id="gold")
            for n in range(3):
                customer = cm.customers.create(ds, f"cus_{n}", name=f"Customer {n}", email=f"c{n}@example.com")
                invoice = {
                    "external_id": f"inv_{n}",
                    "date": "2024-01-01 00:00:00 UTC",
                    "currency": "EUR",
                    "line_items": [
                        {
                            "type": "subscription",
                            "subscription_external_id": f"sub_{n}",
                            "plan_uuid": plan.uuid,
                            "service_period_start": "2024-01-01 00:00:00 UTC",
                            "service_period_end": "2024-02-01 00:00:00 UTC",
                            "amount_in_cents": 1000 + n,
                        }
                    ],
                    "transactions": [{"type": "payment", "date": "2024-01-01 00:00:00 UTC", "result": "successful"}],
                }
                cm.invoices.import_(customer.uuid, [invoice])
        yield Target("serve", srv.base_url, key, SERVE_STREAMS)
    db.dispose()


@pytest.fixture(scope="module")
def fake_target(fake_server: FakeServer) -> Target:
    return Target("fake", fake_server.base_url, API_KEY, None)


@pytest.fixture(params=["serve", "fake"])
def target(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"{request.param}_target")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
