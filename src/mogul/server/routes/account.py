from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import Account
from ...objects.account import SETTINGS
from ..openapi import STRING, Param, Reply, declared, obj, operation
from ..render import render
from ..responses import json
from ..store.account import get_account

ACCOUNT = declared(Account)
_FALSE = frozenset({"0", "false", "no", ""})


def included(request: Request) -> set[str]:
    """The settings asked for: `include=a,b` (repeatable; unknown names ignored), or php's `?a=1&b=1`."""
    q = request.query_params
    names = {name.strip() for value in q.getlist("include") for name in value.split(",")}
    names |= {name for name in SETTINGS if name in q and q[name].strip().lower() not in _FALSE}
    return names & set(SETTINGS)


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
    {200: Reply("The account; each setting only when `include` names it.", ACCOUNT)},
    query=[
        Param("include", STRING, f"Settings to add, comma-separated: {', '.join(SETTINGS)}; others are ignored."),
        *(Param(name, STRING, "php's form of `include`: present and not false adds the setting.") for name in SETTINGS),
    ],
    tag="account",
)
async def account(request: Request) -> Response:
    values = await run_in_threadpool(get_account, request.app.state.db)
    wanted = included(request)
    return json(render(Account, {key: value for key, value in values.items() if key not in SETTINGS or key in wanted}))


ROUTES = [
    Route("/ping", ping, methods=["GET"]),
    Route("/account", account, methods=["GET"]),
]
