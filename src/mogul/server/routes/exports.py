"""`/v1/activities_export`, and the file it makes, served at a signed URL outside `/v1` in
place of ChartMogul's pre-signed S3 URL (no API key: the signature is the credential)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import ActivitiesExport
from ..errors import bad_request
from ..limits import check_json
from ..openapi import CODED_ERROR, DETAILED_ERRORS, Param, Reply, declared, operation
from ..requests import json_body
from ..responses import json
from ..store.exports import Exports
from .common import write

_TAG = "activities"
EXPORT = declared(ActivitiesExport)
NOT_FOUND = Reply("No export with this id.", CODED_ERROR)
FORM = "application/x-www-form-urlencoded"


def _store(request: Request) -> Exports:
    return request.app.state.stores.exports


async def _body(request: Request) -> dict[str, Any]:
    """A JSON body, or the form-encoded one of ChartMogul's curl example (`-d start-date=...`)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return await json_body(request)
    try:
        body = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise bad_request("The form body is not UTF-8") from exc
    check_json(body, request.app.state.settings.limits)
    return body


def _origin(request: Request) -> str:
    """The URL the client reached this server at: the file is served from the same place."""
    return f"{request.url.scheme}://{request.url.netloc}"


@operation(
    "createActivitiesExport",
    "Start an export of the account's activities (200, pending)",
    {
        200: Reply("The pending export.", EXPORT),
        422: Reply("A bad date or type, or end before start.", DETAILED_ERRORS),
    },
    body=declared(ActivitiesExport, "create"),
    body_required=False,
    description="JSON or form-encoded; `start-date`, `end-date` (or `start_date`, `end_date`) and `type`, all "
    "optional: without them, every activity.",
    valid_input_statuses=[422],
    tag=_TAG,
)
async def create(request: Request) -> Response:
    export = await write(request, _store(request).create, await _body(request))
    request.app.state.export_jobs.submit(export["id"])
    return json(export)


@operation(
    "retrieveActivitiesExport",
    "An export's status, and once it has succeeded its file's URL",
    {200: Reply("The export.", EXPORT), 404: NOT_FOUND},
    tag=_TAG,
)
async def get(request: Request) -> Response:
    export, stalled = await run_in_threadpool(_store(request).get, request.path_params["id"], _origin(request))
    if stalled:  # its process died: run it here
        request.app.state.export_jobs.submit(export["id"])
    return json(export)


@operation(
    "downloadActivitiesExport",
    "The export's zip (a `file_url`; no API key)",
    {
        200: Reply(
            "The zip: one CSV of the activities.", {"type": "string", "format": "binary"}, media_type="application/zip"
        ),
        403: Reply("A signature that does not match.", CODED_ERROR),
        404: NOT_FOUND,
        410: Reply("The file has expired (7 days after it was written).", CODED_ERROR),
    },
    query=[
        Param("expires", {"type": "string", "pattern": "^[0-9]{1,12}$"}, "When the URL expires (Unix seconds).", True),
        Param("signature", {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "The URL's signature.", True),
    ],
    authenticated=False,
    tag=_TAG,
)
async def download(request: Request) -> Response:
    q = request.query_params
    found = await run_in_threadpool(
        _store(request).download,
        request.path_params["id"],
        request.path_params["name"],
        q.get("expires", ""),
        q.get("signature", ""),
    )
    disposition = f'attachment; filename="{found.name}"'
    return Response(found.content, media_type="application/zip", headers={"Content-Disposition": disposition})


ROUTES = [
    Route("/activities_export", create, methods=["POST"]),
    Route("/activities_export/{id}", get, methods=["GET"]),
]
FILE_ROUTES = [Route("/exports/{id}/{name}", download, methods=["GET"])]
