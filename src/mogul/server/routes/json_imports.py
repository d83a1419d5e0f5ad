"""`/v1/data_sources/{uuid}/json_imports`: bulk JSON import jobs (store/json_imports.py)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import JsonImport
from ..openapi import DETAILED_ERRORS, LEGACY_ERROR, Reply, declared, operation
from ..requests import json_body
from ..responses import json
from ..store.json_imports import JsonImports
from .common import write

_TAG = "import"
JOB = declared(JsonImport)
NOT_FOUND = Reply("No such data source, or no such import of it.", LEGACY_ERROR)


def _store(request: Request) -> JsonImports:
    return request.app.state.json_import_jobs.imports


@operation(
    "createJsonImport",
    "Import a data source's customers, plans, invoices, line items, transactions and subscription events in bulk",
    {
        201: Reply("The queued import.", JOB),
        404: NOT_FOUND,
        422: Reply("A body of the wrong shape, or nothing to import.", DETAILED_ERRORS),
    },
    body=declared(JsonImport, "create"),
    description="The records are imported in the background, each as its single-object endpoint takes it; "
    "poll the import for its status and each record's outcome (`status_details`).",
    valid_input_statuses=[404, 422],
    tag=_TAG,
)
async def create(request: Request) -> Response:
    body = await json_body(request)
    job = await write(request, _store(request).create, request.path_params["uuid"], body)
    request.app.state.json_import_jobs.submit(job["id"])
    return json(job, status=201)


@operation(
    "retrieveJsonImport",
    "A bulk import's status, and each record's outcome once it has run",
    {200: Reply("The import.", JOB), 404: NOT_FOUND},
    tag=_TAG,
)
async def get(request: Request) -> Response:
    job, stalled = await run_in_threadpool(_store(request).get, request.path_params["uuid"], request.path_params["id"])
    if stalled:  # its process died: run it here
        request.app.state.json_import_jobs.submit(job["id"])
    return json(job)


ROUTES = [
    Route("/data_sources/{uuid}/json_imports", create, methods=["POST"]),
    Route("/data_sources/{uuid}/json_imports/{id}", get, methods=["GET"]),
]
