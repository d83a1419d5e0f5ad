"""`/v1/plans`."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import pagination
from ..openapi import (
    INTEGER,
    NOT_BLANK,
    NOT_FOUND,
    NULLABLE_STRING,
    PAGING,
    STRING,
    UNPROCESSABLE,
    Param,
    Reply,
    component,
    obj,
    operation,
)
from ..responses import json
from ..store.plans import INTERVAL_UNITS, MAX_INTERVAL_COUNT, MAX_TEXT, Plans
from .common import DELETED, apply_body, create_from_body, delete_by_uuid, list_page

_NAME = {"type": "string", "pattern": NOT_BLANK, "maxLength": MAX_TEXT}
_COUNT = {"type": "integer", "minimum": 1, "maximum": MAX_INTERVAL_COUNT}
_UNIT = {"enum": list(INTERVAL_UNITS)}
PLAN = component(
    "Plan",
    obj(
        {
            "uuid": {"type": "string", "pattern": "^pl_"},
            "data_source_uuid": STRING,
            "name": STRING,
            "interval_count": INTEGER,
            "interval_unit": _UNIT,
            "external_id": STRING,
        }
    ),
)
NEW_PLAN = component(
    "NewPlan",
    obj(
        {
            "data_source_uuid": {"type": "string", "minLength": 1},
            "name": _NAME,
            "interval_count": _COUNT,
            "interval_unit": _UNIT,
            "external_id": {"type": ["string", "null"], "pattern": NOT_BLANK, "maxLength": MAX_TEXT},
        },
        required=["data_source_uuid", "name", "interval_count", "interval_unit"],
    ),
)
PLAN_CHANGES = component(
    "PlanChanges",
    obj({"name": _NAME, "interval_count": _COUNT, "interval_unit": _UNIT}, required=[]),
)
PLAN_LIST = obj(
    {
        "plans": {"type": "array", "items": PLAN},
        "current_page": INTEGER,
        "total_pages": INTEGER,
        "cursor": NULLABLE_STRING,
        "has_more": {"type": "boolean"},
    },
    required=["plans", "cursor", "has_more"],
)


def _store(request: Request) -> Plans:
    return request.app.state.stores.plans


@operation(
    "listPlans",
    "List plans, oldest first, by cursor",
    {200: Reply("A page of plans; `current_page` and `total_pages` only without a cursor.", PLAN_LIST)},
    query=[
        Param("data_source_uuid", STRING),
        Param("external_id", STRING),
        Param("system", STRING, "The data source's system, compared case-insensitively."),
        *PAGING,
    ],
    tag="plans",
)
async def list_plans(request: Request) -> Response:
    store = _store(request)
    return await list_page(request, store.list, "plans", pagination.PLANS, "data_source_uuid", "external_id", "system")


@operation(
    "createPlan",
    "Create a plan",
    {
        201: Reply("The new plan.", PLAN),
        422: Reply("A bad field, an unknown data source or a duplicate external_id.", UNPROCESSABLE.schema),
    },
    body=NEW_PLAN,
    tag="plans",
)
async def create(request: Request) -> Response:
    return await create_from_body(request, _store(request).create)


@operation("retrievePlan", "Retrieve a plan", {200: Reply("The plan.", PLAN), 404: NOT_FOUND}, tag="plans")
async def get(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, request.path_params["uuid"]))


@operation(
    "updatePlan",
    "Change a plan's name or interval",
    {202: Reply("The changed plan.", PLAN), 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=PLAN_CHANGES,
    tag="plans",
)
async def patch(request: Request) -> Response:
    return await apply_body(request, _store(request).update, status=202)


@operation(
    "deletePlan",
    "Delete a plan nothing uses",
    {**DELETED, 422: Reply("The plan is in use.", UNPROCESSABLE.schema)},
    tag="plans",
)
async def delete(request: Request) -> Response:
    return await delete_by_uuid(request, _store(request).delete)


ROUTES = [
    Route("/plans", list_plans, methods=["GET"]),
    Route("/plans", create, methods=["POST"]),
    Route("/plans/{uuid}", get, methods=["GET"]),
    Route("/plans/{uuid}", patch, methods=["PATCH"]),
    Route("/plans/{uuid}", delete, methods=["DELETE"]),
]
