"""Targets for the source tests: `mogul serve` and the stand-in API of fake_api.py, both real HTTP servers on
loopback ports, both answering every stream they are read for (the stand-in has no CRM objects)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mogul.demo.generator import GeneratorConfig
from mogul.server.app import Stores
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database
from mogul.server.store.keys import create_key
from mogul.source.streams import BY_NAME

from .fake_api import API_KEY, FakeServer, generate
from .seed import seed

# Every stream is read from `mogul serve` (None: the whole catalog), as from the stand-in API.
SERVE_STREAMS: set[str] | None = None
SERVE_CUSTOMERS = 60
# The stand-in API has no CRM objects: those streams are read from `mogul serve` only.
FAKE_STREAMS = set(BY_NAME) - {"contacts", "customer_notes", "opportunities", "tasks"}


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
    """`mogul serve` on SQLite with a processed demo history: customers over two data sources, a third data
    source left empty, activities, subscriptions and metrics computed before the first request."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('serve') / 'mogul.db'}")
    db.migrate()
    key = create_key(db, "source-tests", "read-only")[0]
    seeded = seed(db, GeneratorConfig(customers=SERVE_CUSTOMERS, seed=3), data_sources=2)
    Stores.on(db).data_sources.create({"name": "Enterprise billing connection"})
    with EmbeddedServer(db) as srv:
        yield Target("serve", srv.base_url, key, SERVE_STREAMS, {"seeded": seeded})
    db.dispose()


@pytest.fixture(scope="module")
def fake_target(fake_server: FakeServer) -> Target:
    return Target("fake", fake_server.base_url, API_KEY, FAKE_STREAMS)


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
