"""A demo history imported into a real server, for the browser tests: what `make demo` shows, smaller, and
like it ending this month."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mogul.client import Client
from mogul.demo.generator import GeneratorConfig
from mogul.demo.pipeline import DEMO_CURRENCY, wait_until_idle
from mogul.demo.run import Target, generate_and_import
from mogul.demo.timeutil import current_month
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database
from mogul.server.store.keys import create_key

CUSTOMERS = 150
SEED = 3


@dataclass(frozen=True)
class DemoServer:
    database_url: str
    base_url: str
    key: str  # read-write: what the import used
    read_only_key: str  # what the dashboard is opened with: reading is all it does
    server: EmbeddedServer
    import_seconds: float
    config: GeneratorConfig


@contextmanager
def demo_server(
    directory: Path, customers: int = CUSTOMERS, seed: int = SEED, end_month: date | None = None
) -> Iterator[DemoServer]:
    """The history ends with `end_month` (default: this month)."""
    url = f"sqlite:///{directory / 'dashboard.db'}"
    db = Database(url)
    try:
        db.migrate()
        key, _ = create_key(db, "import", "read-write")
        read_only, _ = create_key(db, "dashboard", "read-only")
        with EmbeddedServer(db) as server:
            started = time.perf_counter()
            config = GeneratorConfig.ending(
                end_month or current_month(), customers=customers, seed=seed, currency=DEMO_CURRENCY
            )
            generate_and_import(config, Target(server.base_url, key))
            with Client(key, server.base_url) as client:
                wait_until_idle(client)
            yield DemoServer(url, server.base_url, key, read_only, server, time.perf_counter() - started, config)
    finally:
        db.dispose()
