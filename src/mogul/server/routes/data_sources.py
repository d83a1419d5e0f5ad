from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import DataSource
from ..openapi import (
    BAD_REQUEST,
    NOT_FOUND,
    STRING,
    UNPROCESSABLE,
    WHITESPACE,
    Param,
    Reply,
    declared,
    obj,
    operation,
)
from ..requests import query_bool, query_str
from ..responses import json
from ..store.data_sources import DataSources, Detail
from .common import DELETED, create_from_body, delete_by_uuid

# `query_bool`'s spellings, any case, with surrounding whitespace.
FLAG = {
    "type": "string",
    "pattern": f"^[{WHITESPACE}]*(?:[Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss]|[Ff][Aa][Ll][Ss][Ee]|0|[Nn][Oo])?[{WHITESPACE}]*$",
}
FLAGS = [
    Param("with_processing_status", FLAG, "Add `processing_status` (processed, failed, pending counts)."),
    Param("with_auto_churn_subscription_setting", FLAG, "Add `auto_churn_subscription_setting`."),
    Param("with_invoice_handling_setting", FLAG, "Add `invoice_handling_setting`."),
]
DATA_SOURCE = declared(DataSource)


def _store(request: Request) -> DataSources:
    return request.app.state.stores.data_sources


def _detail(request: Request) -> Detail:
    return Detail(
        processing_status=query_bool(request, "with_processing_status"),
        auto_churn_subscription_setting=query_bool(request, "with_auto_churn_subscription_setting"),
        invoice_handling_setting=query_bool(request, "with_invoice_handling_setting"),
    )


@operation(
    "listDataSources",
    "List data sources, newest first (not paginated)",
    {200: Reply("The data sources.", obj({"data_sources": {"type": "array", "items": DATA_SOURCE}}))},
    query=[
        Param("name", STRING, "Only the source with exactly this name."),
        Param("system", STRING, "Only sources of this system, compared case-insensitively."),
        *FLAGS,
    ],
    tag="data sources",
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


@operation(
    "retrieveDataSource",
    "Retrieve a data source",
    {200: Reply("The data source.", DATA_SOURCE), 404: NOT_FOUND},
    query=FLAGS,
    tag="data sources",
)
async def get_source(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, request.path_params["uuid"], _detail(request)))


@operation(
    "createDataSource",
    "Create a data source",
    {
        201: Reply("The new data source.", DATA_SOURCE),
        400: BAD_REQUEST,
        422: Reply(
            "No name, a blank or overlong name, a name already taken, an overlong system.", UNPROCESSABLE.schema
        ),
    },
    body=declared(DataSource, "create"),
    tag="data sources",
)
async def create_source(request: Request) -> Response:
    return await create_from_body(request, _store(request).create)


@operation("deleteDataSource", "Delete a data source and everything imported into it", DELETED, tag="data sources")
async def delete_source(request: Request) -> Response:
    return await delete_by_uuid(request, _store(request).delete)


@operation(
    "emptyDataSource",
    "Delete everything imported into a data source, keeping the source",
    {204: Reply("Emptied."), 404: NOT_FOUND},
    tag="data sources",
)
async def empty_source(request: Request) -> Response:
    return await delete_by_uuid(request, _store(request).empty)


ROUTES = [
    Route("/data_sources", list_sources, methods=["GET"]),
    Route("/data_sources", create_source, methods=["POST"]),
    Route("/data_sources/{uuid}", get_source, methods=["GET"]),
    Route("/data_sources/{uuid}", delete_source, methods=["DELETE"]),
    Route("/data_sources/{uuid}/all", empty_source, methods=["DELETE"]),
]
