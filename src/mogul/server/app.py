"""The ASGI application: ChartMogul's `/v1` API over a SQL store."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import AuthMiddleware, KeyRing
from .errors import ApiError, coded
from .responses import json
from .routes import account, customers, data_sources, imports, plans
from .store import Database
from .store.account import ensure_account
from .store.customers import Customers
from .store.data_sources import DataSources
from .store.invoices import Invoices
from .store.plans import Plans
from .store.subscriptions import Subscriptions

log = logging.getLogger("mogul.server")


@dataclass
class Stores:
    data_sources: DataSources
    customers: Customers
    plans: Plans
    invoices: Invoices
    subscriptions: Subscriptions

    @classmethod
    def on(cls, db: Database) -> Stores:
        return cls(DataSources(db), Customers(db), Plans(db), Invoices(db), Subscriptions(db))


def api_routes() -> list:
    return [*account.ROUTES, *data_sources.ROUTES, *customers.ROUTES, *plans.ROUTES, *imports.ROUTES]


def create_app(database: Database | str) -> Starlette:
    """Build the app on a database (a `Database` or a URL); creates or upgrades the schema first."""
    db = database if isinstance(database, Database) else Database(database)
    db.migrate()
    ensure_account(db)

    app = Starlette(
        routes=[Mount("/v1", routes=api_routes())],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.db = db
    app.state.keyring = keyring = KeyRing(db)
    app.state.stores = Stores.on(db)
    # Each add wraps the previous: ServerErrors outermost, then path normalisation, then auth.
    app.add_middleware(AuthMiddleware, keys=keyring)
    app.add_middleware(StripTrailingSlash)
    app.add_middleware(ServerErrors)
    return app


class ServerErrors:
    """Answer any unhandled exception with a JSON 500 and log only its type and route: a traceback can carry
    request data (keys, customer details). At DEBUG level the traceback is logged too. Starlette's own
    handler would re-raise into the server's log, so this sits inside it and never re-raises."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.error(
                "unhandled %s on %s %s",
                type(exc).__name__,
                scope["method"],
                scope["path"],
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
            if not started:
                error = coded(500, "Internal server error")
                await json(error.body, error.status)(scope, receive, send)


class StripTrailingSlash:
    """`/v1/data_sources/` and `/v1/data_sources` are the same resource (the reference shows both)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope = dict(scope, path=path.rstrip("/") or "/")
        await self.app(scope, receive, send)


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return json(exc.body, exc.status, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "The requested resource does not exist.", 405: "Method Not Allowed"}
    error = coded(exc.status_code, messages.get(exc.status_code, str(exc.detail)))
    return json(error.body, error.status, dict(exc.headers or {}))
