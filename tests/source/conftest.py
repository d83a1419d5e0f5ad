"""Targets for the source tests: `mogul.server` on a loopback port, on a processed demo history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mogul.demo.generator import GeneratorConfig
from mogul.server.app import Stores
from mogul.server.embedded import EmbeddedServer
from mogul.server.settings import ServerSettings
from mogul.server.store import Database
from mogul.server.store.keys import create_key

from .seed import Seeded, seed
from .served import Served

SERVE_CUSTOMERS = 60


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
def serve_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """`mogul serve` on SQLite with a processed demo history: customers over two data sources, a third data
    source left empty, activities, subscriptions and metrics computed before the first request."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('serve') / 'mogul.db'}")
    db.migrate()
    key = create_key(db, "source-tests", "read-only")[0]
    seeded = seed(db, GeneratorConfig(customers=SERVE_CUSTOMERS, seed=3), data_sources=2)
    Stores.on(db).data_sources.create({"name": "Enterprise billing connection"})
    with EmbeddedServer(db) as srv:
        yield Target("serve", srv.base_url, key, None, {"seeded": seeded})
    db.dispose()


@pytest.fixture(scope="module")
def target(serve_target: Target) -> Target:
    return serve_target


@dataclass
class Account:
    """A fresh processed demo history of its own, served behind a `Served` recorder: for tests that count the
    requests, inject failures, throttle, or change the data while a read runs."""

    served: Served
    db: Database
    key: str
    seeded: Seeded

    def config(self, **overrides: Any) -> dict[str, Any]:
        return Target("account", self.served.base_url, self.key, None).config(**overrides)


def open_account(tmp: Path, settings: ServerSettings | None = None, customers: int = 30) -> Iterator[Account]:
    db = Database(f"sqlite:///{tmp / 'mogul.db'}")
    db.migrate()
    key = create_key(db, "source-tests", "read-write")[0]
    seeded = seed(db, GeneratorConfig(customers=customers, seed=3), data_sources=1)
    served = Served(db, settings)
    with served.running():
        yield Account(served, db, key, seeded)
    db.dispose()


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    yield from open_account(tmp_path)


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
