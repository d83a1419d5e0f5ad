from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..openapi import STRING, Reply, component, obj, operation
from ..responses import json
from ..store.account import DEFAULT_SETTINGS, get_account

ACCOUNT = component(
    "Account",
    obj({key: STRING for key in ("name", "currency", "time_zone", "week_start_on", "id", *DEFAULT_SETTINGS)}),
)


@operation(
    "ping",
    "Check the API key",
    {200: Reply("The key works.", obj({"data": {"const": "pong!"}}))},
    tag="account",
)
async def ping(_request: Request) -> Response:
    return json({"data": "pong!"})


@operation(
    "retrieveAccount",
    "The account's name, currency, time zone and settings",
    {200: Reply("The account.", ACCOUNT)},
    tag="account",
)
async def account(request: Request) -> Response:
    return json(await run_in_threadpool(get_account, request.app.state.db))


ROUTES = [
    Route("/ping", ping, methods=["GET"]),
    Route("/account", account, methods=["GET"]),
]
