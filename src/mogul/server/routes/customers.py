"""`/v1/customers` (reference §2): thin handlers over `store.customers`."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import pagination
from ..requests import json_body, query_str
from ..responses import json, no_content
from ..store.customers import Customers
from .common import filters, paging


def _store(request: Request) -> Customers:
    return request.app.state.stores.customers


def _uuid(request: Request) -> str:
    return request.path_params["uuid"]


async def list_customers(request: Request) -> Response:
    wanted = filters(request, "data_source_uuid", "external_id", "status", "system")
    page, items = await run_in_threadpool(_store(request).list, wanted, paging(request))
    return json(page.envelope("entries", items, pagination.CUSTOMERS))


async def search(request: Request) -> Response:
    page, items = await run_in_threadpool(_store(request).search, query_str(request, "email"), paging(request))
    return json(page.envelope("entries", items, pagination.CUSTOMERS, total_pages=None))


async def create(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).create, body), status=201)


async def get(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, _uuid(request)))


async def patch(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).update, _uuid(request), body))


async def delete(request: Request) -> Response:
    await run_in_threadpool(_store(request).delete, _uuid(request))
    return no_content()


async def merge(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).merge, body), status=202)


async def attributes(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).attributes, _uuid(request)))


async def tags(request: Request) -> Response:
    body = await json_body(request)
    remove = request.method == "DELETE"
    return json(await run_in_threadpool(_store(request).change_tags, _uuid(request), body, remove=remove))


async def custom(request: Request) -> Response:
    body = await json_body(request)
    mode = {"POST": "add", "PUT": "update", "DELETE": "remove"}[request.method]
    result = await run_in_threadpool(_store(request).change_custom, _uuid(request), body, mode=mode)
    return no_content() if mode == "remove" else json(result)


async def tags_by_email(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).by_email, body, kind="tags"))


async def custom_by_email(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).by_email, body, kind="custom"))


# Fixed paths before `{uuid}`: Starlette matches in order.
ROUTES = [
    Route("/customers", list_customers, methods=["GET"]),
    Route("/customers", create, methods=["POST"]),
    Route("/customers/search", search, methods=["GET"]),
    Route("/customers/merges", merge, methods=["POST"]),
    Route("/customers/attributes/tags", tags_by_email, methods=["POST"]),
    Route("/customers/attributes/custom", custom_by_email, methods=["POST"]),
    Route("/customers/{uuid}", get, methods=["GET"]),
    Route("/customers/{uuid}", patch, methods=["PATCH"]),
    Route("/customers/{uuid}", delete, methods=["DELETE"]),
    Route("/customers/{uuid}/attributes", attributes, methods=["GET"]),
    Route("/customers/{uuid}/attributes/tags", tags, methods=["POST", "DELETE"]),
    Route("/customers/{uuid}/attributes/custom", custom, methods=["POST", "PUT", "DELETE"]),
]
