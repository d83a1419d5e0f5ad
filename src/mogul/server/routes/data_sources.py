from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..requests import json_body, query_bool, query_str
from ..responses import json, no_content
from ..store.data_sources import DataSources, Detail


def _store(request: Request) -> DataSources:
    return request.app.state.stores.data_sources


def _detail(request: Request) -> Detail:
    return Detail(
        processing_status=query_bool(request, "with_processing_status"),
        auto_churn_subscription_setting=query_bool(request, "with_auto_churn_subscription_setting"),
        invoice_handling_setting=query_bool(request, "with_invoice_handling_setting"),
    )


async def list_sources(request: Request) -> Response:
    rows = await run_in_threadpool(
        _store(request).list,
        name=query_str(request, "name"),
        system=query_str(request, "system"),
        detail=_detail(request),
    )
    # No pagination keys: the official Python client breaks on any extra top-level key here.
    return json({"data_sources": rows})


async def get_source(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, request.path_params["uuid"], _detail(request)))


async def create_source(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).create, body), status=201)


async def delete_source(request: Request) -> Response:
    await run_in_threadpool(_store(request).delete, request.path_params["uuid"])
    return no_content()


async def empty_source(request: Request) -> Response:
    await run_in_threadpool(_store(request).empty, request.path_params["uuid"])
    return no_content()


ROUTES = [
    Route("/data_sources", list_sources, methods=["GET"]),
    Route("/data_sources", create_source, methods=["POST"]),
    Route("/data_sources/{uuid}", get_source, methods=["GET"]),
    Route("/data_sources/{uuid}", delete_source, methods=["DELETE"]),
    Route("/data_sources/{uuid}/all", empty_source, methods=["DELETE"]),
]
