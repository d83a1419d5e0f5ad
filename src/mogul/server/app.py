"""The ASGI application: ChartMogul's `/v1` API over a SQL store."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import dashboard
from .auth import AuthMiddleware, KeyRing
from .errors import ApiError, coded
from .export_jobs import ExportJobs
from .faults import FaultPlan, Faults
from .json_import_jobs import JsonImportJobs
from .limits import RequestGuard
from .metrics_cache import MetricsCache
from .openapi import iter_routes, openapi_endpoint
from .processing import Processor
from .readers import ReadThreads
from .readers import for_database as readers_for
from .responses import json
from .routes import (
    account,
    activities,
    contacts,
    customers,
    data_sources,
    exports,
    imports,
    invoice_editing,
    json_imports,
    metrics,
    notes,
    opportunities,
    plan_groups,
    plans,
    subscription_events,
    tasks,
)
from .settings import ServerSettings
from .store import Database
from .store.activities import Activities
from .store.contacts import Contacts
from .store.customers import Customers
from .store.data_sources import DataSources
from .store.exports import Exports, ensure_signing_key
from .store.invoice_editing import InvoiceEditing
from .store.invoices import Invoices
from .store.notes import CustomerNotes, Notes
from .store.opportunities import Opportunities
from .store.plan_groups import PlanGroups
from .store.plans import Plans
from .store.subscription_events import SubscriptionEvents
from .store.subscriptions import Subscriptions
from .store.tasks import Tasks
from .throttle import Throttle
from .writer import WriteThread, for_database

log = logging.getLogger("mogul.server")


@dataclass
class Stores:
    data_sources: DataSources
    customers: Customers
    plans: Plans
    invoices: Invoices
    subscriptions: Subscriptions
    activities: Activities
    contacts: Contacts
    customer_notes: CustomerNotes
    opportunities: Opportunities
    tasks: Tasks
    notes: Notes
    plan_groups: PlanGroups
    subscription_events: SubscriptionEvents
    exports: Exports
    invoice_editing: InvoiceEditing

    @classmethod
    def on(cls, db: Database) -> Stores:
        return cls(
            DataSources(db),
            Customers(db),
            Plans(db),
            Invoices(db),
            Subscriptions(db),
            Activities(db),
            *(crm(db) for crm in (Contacts, CustomerNotes, Opportunities, Tasks, Notes)),
            PlanGroups(db),
            SubscriptionEvents(db),
            Exports(db),
            invoice_editing=InvoiceEditing(db),
        )


def api_routes() -> list:
    return [
        *account.ROUTES,
        *data_sources.ROUTES,
        *customers.ROUTES,
        *plans.ROUTES,
        *plan_groups.ROUTES,
        *subscription_events.ROUTES,
        *imports.ROUTES,
        *json_imports.ROUTES,
        *invoice_editing.ROUTES,
        *activities.ROUTES,
        *exports.ROUTES,
        *metrics.ROUTES,
        *contacts.ROUTES,
        *notes.ROUTES,
        *opportunities.ROUTES,
        *tasks.ROUTES,
    ]


def _lifespan(
    db: Database,
    writer: WriteThread | None,
    readers: ReadThreads | None,
    jobs: ExportJobs,
    json_jobs: JsonImportJobs,
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """While the app is served, a background processor computes what imports queued (see processing.py); on start,
    export and bulk import jobs a restart interrupted run again (export_jobs.py, json_import_jobs.py)."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        processor = Processor(db)
        processor.start()
        jobs.resume()
        json_jobs.resume()
        try:
            yield
        finally:
            processor.stop()
            jobs.close()
            json_jobs.close()
            if writer is not None:
                writer.close()
            if readers is not None:
                readers.close()

    return lifespan


def app_routes() -> list:
    """The whole route table: the API under /v1, its OpenAPI document, and the dashboard at `/`."""
    # No slash redirects: StripTrailingSlash already serves `/v1/data_sources/`, and a 307 for a path that
    # names nothing (`/v1/data_sources//`) would send a client to a different resource.
    api = Router(api_routes(), redirect_slashes=False)
    return [
        Mount("/v1", app=api),
        Route("/openapi.json", openapi_endpoint, methods=["GET"]),
        *exports.FILE_ROUTES,
        *dashboard.routes(),
    ]


def create_app(database: Database | str, settings: ServerSettings | None = None) -> Starlette:
    """Build the app on a database (a `Database` or a URL); creates or upgrades the schema first.

    `settings` default to `ServerSettings()`: request limits on, no rate limits, no faults.
    """
    settings = settings or ServerSettings()
    db = database if isinstance(database, Database) else Database(database)
    db.migrate()
    ensure_signing_key(db)
    writer = for_database(db)
    readers = readers_for(db)
    jobs = ExportJobs(db)
    json_jobs = JsonImportJobs(db)

    app = Starlette(
        routes=app_routes(),
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=_lifespan(db, writer, readers, jobs, json_jobs),
    )
    app.router.redirect_slashes = False
    app.state.db = db
    app.state.writer = writer
    app.state.readers = readers
    app.state.export_jobs = jobs
    app.state.json_import_jobs = json_jobs
    app.state.settings = settings
    app.state.keyring = keyring = KeyRing(db)
    app.state.stores = Stores.on(db)
    app.state.metrics = MetricsCache(db)
    # Each add wraps the previous, so the last added runs first: ServerErrors, path normalisation, faults
    # (before everything, so a faulted request has done nothing), auth, per-key throttling, request limits.
    # Faults must see uvicorn's own `receive` (to reset connections): nothing before it may wrap it.
    app.add_middleware(RequestGuard, limits=settings.limits)
    app.add_middleware(Throttle, rate=settings.rate_limit, parallel=settings.max_connections)
    app.add_middleware(AuthMiddleware, keys=keyring)
    app.add_middleware(
        Faults,
        plan=FaultPlan.parse(settings.faults),
        seed=settings.fault_seed,
        header=settings.fault_header,
        latency=settings.latency,
    )
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
    """`/v1/data_sources/` and `/v1/data_sources` are the same resource (the reference shows both).

    One slash only: `/v1/data_sources/{uuid}` with an empty uuid (`/v1/data_sources//`) must not become
    the list."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope = dict(scope, path=path[:-1])
        await self.app(scope, receive, send)


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return json(exc.body, exc.status, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "The requested resource does not exist.", 405: "Method Not Allowed"}
    error = coded(exc.status_code, messages.get(exc.status_code, str(exc.detail)))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette lists only the first route that matched the path; a path served by several routes (GET
        # and DELETE /data_sources/{uuid}) must list them all.
        headers["Allow"] = ", ".join(_allowed_methods(request.app.router.routes, request.scope["path"]))
    return json(error.body, error.status, headers)


def _allowed_methods(routes: list, path: str) -> list[str]:
    methods: set[str] = set()
    for method, template, _route in iter_routes(routes, raw=True):
        if compile_path(template)[0].match(path):
            methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
