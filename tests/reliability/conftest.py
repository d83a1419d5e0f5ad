"""One small processed history, served by as many servers (fault-free or faulty) as a test wants, all on the
same database, so that every sync reads the same data and only the faults differ."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from mogul.demo.generator import GeneratorConfig
from mogul.server.embedded import EmbeddedServer
from mogul.server.settings import ServerSettings
from mogul.server.store import Database
from mogul.server.store.keys import create_key

from ..source.seed import seed

CUSTOMERS = 30
HISTORY = GeneratorConfig(customers=CUSTOMERS, seed=7, start=date(2024, 1, 1), months=12, currency="USD")
START = "2024-01-01T00:00:00Z"
END = "2024-12-31T23:59:59Z"  # fixed: every sync reads the same metric series

ISSUE_MIX = "429=0.05,500=0.02,503=0.01,reset=0.01,slow=0.02:2s"
HARSH_MIX = "429=0.15,500=0.1,503=0.05,reset=0.05,slow=0.05:3s"


@dataclass
class History:
    db: Database
    api_key: str

    @contextmanager
    def serve(self, faults: str = "", seed: int | None = None) -> Iterator[EmbeddedServer]:
        settings = ServerSettings(faults=faults, fault_seed=seed) if faults else None
        with EmbeddedServer(self.db, settings=settings) as server:
            yield server

    def config(self, base_url: str, **overrides: object) -> dict[str, object]:
        config: dict[str, object] = {
            "api_key": self.api_key,
            "base_url": base_url,
            "start_date": START,
            "end_date": END,
            "lookback_window_days": 0,
            "requests_per_second": 1000,
        }
        config.update(overrides)
        return config


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('reliability') / 'mogul.db'}")
    db.migrate()
    key = create_key(db, "reliability", "read-only")[0]
    seeded = seed(db, HISTORY, data_sources=2)
    assert seeded.activities > CUSTOMERS  # a real history, not an empty account
    yield History(db, key)
    db.dispose()


class FaultLog(logging.Handler):
    """Counts the faults the server injected, by kind (`500`, `429`, `reset`, `slow`...), from its debug log."""

    PATTERN = re.compile(r"Fault\(kind='(\w+)', status=(\d+)")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kinds: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        match = self.PATTERN.search(record.getMessage())
        if match:
            kind, status = match.groups()
            self.kinds[status if kind == "status" else kind] += 1


@pytest.fixture
def faults_injected() -> Iterator[Counter[str]]:
    logger = logging.getLogger("mogul.server.faults")
    handler, level = FaultLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.kinds
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def write_config(path: Path, config: dict[str, object]) -> Path:
    import json

    path.write_text(json.dumps(config))
    return path
