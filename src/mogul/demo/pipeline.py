"""`mogul demo` without the CLI: a throwaway server, a generated history imported into it, every stream
synced into DuckDB, and the figures the report shows.

Each step is the public piece a user would run by hand (`mogul serve`, `mogul demo generate`,
`mogul sync`), so the demo exercises exactly what ships.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..client import Client
from ..server.embedded import EmbeddedServer
from ..server.store import Database
from ..server.store.keys import create_key
from ..sync.progress import Progress
from ..sync.results import SyncResult
from ..sync.source_sync import plan_sync, sync_source
from .generator import GeneratorConfig
from .importer import Progress as ImportProgress
from .run import Target, generate_and_import
from .timeutil import add_months

# None: euro-zone customers are billed in EUR, the rest in USD; the server converts at its bundled rates.
DEMO_CURRENCY: str | None = None
REPORT_MONTHS = 12
IDLE_TIMEOUT = 600.0


class DemoError(Exception):
    """A demo step failed; the message says which."""


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    api_key: str


@dataclass
class DemoResult:
    """What the report shows. Money in cents, as the API gives it."""

    generated: dict[str, Any]
    sync: SyncResult
    rows: dict[str, int]  # per stream, counted in the DuckDB file
    mrr: list[dict[str, Any]]  # the last REPORT_MONTHS entries of GET /v1/metrics/mrr (movements included)
    series: list[tuple[date, int, int]]  # (month end, MRR, customers) for the whole history, from the synced table
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def demo_server() -> Iterator[DemoServer]:
    """`mogul serve` in this process on a free port, on a temporary SQLite database, with a fresh key."""
    with tempfile.TemporaryDirectory(prefix="mogul-demo-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'demo.db'}")
        try:
            db.migrate()
            key, _ = create_key(db, "demo", "read-write")
            with EmbeddedServer(db) as server:
                yield DemoServer(server.base_url, key)
        finally:
            db.dispose()


def wait_until_idle(client: Client, timeout: float = IDLE_TIMEOUT, poll: float = 0.2) -> float:
    """Imports are processed in the background; metrics are final once every data source is `idle`.
    Returns the seconds waited."""
    started = time.monotonic()
    while True:
        sources = client.data_sources.list()
        if sources and all(source.status == "idle" for source in sources):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            busy = ", ".join(f"{s.name} ({s.status})" for s in sources)
            raise DemoError(f"the server was still processing after {timeout:.0f} s: {busy}")
        time.sleep(poll)


def source_config(server: DemoServer, config: GeneratorConfig) -> dict[str, Any]:
    """The sync reads the history's span only, so the demo's tables and figures are the same on any day."""
    last_day = (config.history_end - timedelta(days=1)).date()
    return {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "start_date": f"{config.start.isoformat()}T00:00:00Z",
        "end_date": f"{last_day.isoformat()}T23:59:59Z",
        "interval": "month",
        "lookback_window_days": 0,
        # A local server has no rate limit to respect: one request per customer for subscriptions
        # would take a minute at ChartMogul's 40/s.
        "requests_per_second": 1000,
    }


def run_demo(
    server: DemoServer,
    config: GeneratorConfig,
    output: Path,
    *,
    say: Callable[[str], None],
    import_progress: ImportProgress | None = None,
    sync_progress: Progress | None = None,
) -> DemoResult:
    """Generate and import, wait for processing, sync every stream into `output` (overwrite), read the figures."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    say(f"mogul demo: generating {config.customers:,} customers and importing them into {server.base_url}/v1")
    generated = generate_and_import(config, Target(server.base_url, server.api_key), progress=import_progress)
    seconds["import"] = time.perf_counter() - started

    with Client(server.api_key, server.base_url) as client:
        say("mogul demo: waiting until every data source is idle (MRR and activities computed)")
        seconds["processing"] = wait_until_idle(client)

        say(f"mogul demo: syncing every stream into {output}")
        started = time.perf_counter()
        settings = source_config(server, config)
        plan = plan_sync(settings, mode="overwrite")
        output.parent.mkdir(parents=True, exist_ok=True)
        result = sync_source(settings, f"duckdb:///{output.resolve()}", plan, sync_progress, resume=False)
        seconds["sync"] = time.perf_counter() - started
        if not result.ok:
            raise DemoError(f"the sync did not complete: {'; '.join(result.errors) or 'see the messages above'}")

        last_month = (config.history_end - timedelta(days=1)).date()
        # One month more than shown: the first row's change % needs the month before it.
        first_month = add_months(config.history_end, -REPORT_MONTHS - 1).date()
        mrr = client.metrics.mrr(first_month, last_month, interval="month")["entries"]

    rows, series = read_back(output, list(result.streams))
    return DemoResult(generated, result, rows, mrr[-REPORT_MONTHS:], series, seconds)


def read_back(output: Path, streams: list[str]) -> tuple[dict[str, int], list[tuple[date, int, int]]]:
    """Rows per stream and the monthly MRR/customers series, read from the DuckDB file itself."""
    import duckdb

    with duckdb.connect(str(output), read_only=True) as con:
        rows = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in streams}  # type: ignore[index]
        series = con.execute('SELECT "date", "mrr", "customers" FROM metrics ORDER BY "date"').fetchall()
    return rows, [(day, int(mrr), int(customers)) for day, mrr, customers in series]
