from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..responses import json
from ..store.account import get_account


async def ping(_request: Request) -> Response:
    return json({"data": "pong!"})


async def account(request: Request) -> Response:
    return json(await run_in_threadpool(get_account, request.app.state.db))


ROUTES = [
    Route("/ping", ping, methods=["GET"]),
    Route("/account", account, methods=["GET"]),
]
