"""`/v1/plans` (reference §5.1)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import pagination
from ..requests import json_body
from ..responses import json, no_content
from ..store.plans import Plans
from .common import filters, paging


def _store(request: Request) -> Plans:
    return request.app.state.stores.plans


async def list_plans(request: Request) -> Response:
    wanted = filters(request, "data_source_uuid", "external_id", "system")
    page, items = await run_in_threadpool(_store(request).list, wanted, paging(request))
    return json(page.envelope("plans", items, pagination.PLANS))


async def create(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).create, body), status=201)


async def get(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, request.path_params["uuid"]))


async def patch(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).update, request.path_params["uuid"], body), status=202)


async def delete(request: Request) -> Response:
    await run_in_threadpool(_store(request).delete, request.path_params["uuid"])
    return no_content()


ROUTES = [
    Route("/plans", list_plans, methods=["GET"]),
    Route("/plans", create, methods=["POST"]),
    Route("/plans/{uuid}", get, methods=["GET"]),
    Route("/plans/{uuid}", patch, methods=["PATCH"]),
    Route("/plans/{uuid}", delete, methods=["DELETE"]),
]
