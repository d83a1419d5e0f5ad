"""`mogul serve`: prepare the database, make sure a key exists, then hand over to uvicorn."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .. import redact
from ..process import settle
from .app import create_app
from .connections import DEFAULT_REQUEST_TIMEOUT, REQUEST_TIMEOUT_ENV, GuardedH11Protocol
from .settings import ServerSettings
from .store import Database
from .store.database import describe_url
from .store.keys import count_active_keys, create_key

DATABASE_ENV = "MOGUL_DATABASE"
SETTINGS_ENV = "MOGUL_SERVER_SETTINGS"
LOG_LEVEL_ENV = "MOGUL_LOG_LEVEL"
DEFAULT_CONNECTION_LIMIT = 1000


def configure_logging(level: str) -> None:
    """mogul's own loggers (`mogul.server...`) at the level uvicorn's use, in uvicorn's format. Nothing they
    log carries a key: auth failures are not logged at all, errors name only their type and route."""
    logger = logging.getLogger("mogul")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.propagate = False
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactedAccessLog) for f in access.filters):
        access.addFilter(RedactedAccessLog())


class RedactedAccessLog(logging.Filter):
    """uvicorn's access log records the request target with its query string: mask the values of email and
    key-like parameters (`/v1/customers/search?email=***`), and any email, before the line is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], redact.text(redact.path(args[2])), *args[3:])
        return True


def prepare(database_url: str) -> Database:
    """Create or upgrade the schema; on a database with no key, create one and print it once to stderr."""
    db = Database(database_url)
    db.migrate()
    if count_active_keys(db) == 0:
        key, _info = create_key(db, "default", "read-write")
        print(
            f"mogul: no API key existed in {describe_url(database_url)}; created a read-write key.\n"
            f"mogul: API key (shown once, store it now): {key}\n"
            "mogul: more with `mogul keys create --name NAME --access read-only|read-write`",
            file=sys.stderr,
            flush=True,
        )
    return db


def app_from_env() -> Starlette:
    """The app of one worker process (`mogul.process.server_worker`, uvicorn's factory, tunes the process around
    it): each worker opens its own engine on the same database."""
    settings = ServerSettings.from_json(os.environ[SETTINGS_ENV]) if SETTINGS_ENV in os.environ else None
    configure_logging(os.environ.get(LOG_LEVEL_ENV, "info"))
    return create_app(os.environ[DATABASE_ENV], settings)


def serve(
    *,
    host: str,
    port: int,
    database_url: str,
    workers: int = 1,
    log_level: str = "info",
    settings: ServerSettings | None = None,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    connection_limit: int = DEFAULT_CONNECTION_LIMIT,
) -> None:
    """Run until interrupted. `settings` default to ChartMogul's limits (`ServerSettings.chartmogul()`);
    the limits are per worker process. A request must arrive whole within `request_timeout` seconds (0: no
    limit); past `connection_limit` open connections per worker (0: none) uvicorn answers 503."""
    settings = settings or ServerSettings.chartmogul()
    os.environ[REQUEST_TIMEOUT_ENV] = str(request_timeout)  # read by every worker's GuardedH11Protocol
    guards: dict[str, Any] = {"http": GuardedH11Protocol, "limit_concurrency": connection_limit or None}
    configure_logging(log_level)
    db = prepare(database_url)
    print(f"mogul: serving {describe_url(database_url)} at http://{host}:{port}/v1", file=sys.stderr, flush=True)
    print(f"mogul: dashboard at http://{host}:{port}/ (enter an API key)", file=sys.stderr, flush=True)
    if settings.faults or settings.fault_header or settings.latency:
        print(
            f"mogul: fault injection on: faults={settings.faults or 'none'!r} seed={settings.fault_seed} "
            f"header={'on' if settings.fault_header else 'off'} latency={settings.latency:g}s",
            file=sys.stderr,
            flush=True,
        )
    if workers > 1:
        db.dispose()
        os.environ[DATABASE_ENV] = database_url
        os.environ[SETTINGS_ENV] = settings.to_json()
        os.environ[LOG_LEVEL_ENV] = log_level
        uvicorn.run(
            "mogul.process:server_worker",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            **guards,
        )
    else:
        app = create_app(db, settings)
        # Frozen once built, when `mogul serve` runs it (a 20,000-customer list read in-process then spends no
        # time in the collector instead of 0.12-0.13 s of about 0.55); called as a library, nothing changes.
        settle()
        uvicorn.run(app, host=host, port=port, log_level=log_level, **guards)
