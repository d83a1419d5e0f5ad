"""`/v1/plan_groups` and `/v1/plan_groups/{uuid}/plans`."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import PlanGroup
from .. import pagination
from ..openapi import (
    BOOLEAN,
    CODED_ERROR,
    FIELD_ERRORS,
    NULLABLE_STRING,
    PAGING,
    JsonSchema,
    Reply,
    declared,
    obj,
    operation,
)
from ..responses import json
from ..store.plan_groups import PlanGroups
from .common import apply_body, create_from_body, delete_by_uuid, list_page, paging
from .plans import PLAN

_TAG = "plan groups"
GROUP = declared(PlanGroup)
# A page asked for by the deprecated `page` carries only the page keys (recorded); any other page `cursor` and
# `has_more`, and the first page the page keys as well.
PAGE_KEYS = ("current_page", "total_pages")
NOT_FOUND = Reply("No plan group with this uuid.", CODED_ERROR)
INVALID = Reply("A blank or overlong name, no plans, or a plan that does not exist.", FIELD_ERRORS)


def _list(key: str, item: JsonSchema) -> JsonSchema:
    return obj(
        {
            key: {"type": "array", "items": item},
            "current_page": {"type": "integer", "minimum": 1},
            "total_pages": {"type": "integer", "minimum": 0},
            "cursor": NULLABLE_STRING,
            "has_more": BOOLEAN,
        },
        required=[key],
    )


def _store(request: Request) -> PlanGroups:
    return request.app.state.stores.plan_groups


def _layout(request: Request) -> tuple[str, ...]:
    params = paging(request)
    return PAGE_KEYS if params.page is not None and not params.cursor_mode else pagination.PLANS


@operation(
    "listPlanGroups",
    "List plan groups, newest first",
    {
        200: Reply(
            "A page of plan groups; page keys on a first page, only page keys with `page`.", _list("plan_groups", GROUP)
        )
    },
    query=PAGING,
    tag=_TAG,
)
async def list_groups(request: Request) -> Response:
    return await list_page(request, _store(request).list, "plan_groups", _layout(request))


@operation(
    "createPlanGroup",
    "Create a plan group (200, as recorded)",
    {200: Reply("The new plan group.", GROUP), 422: INVALID},
    body=declared(PlanGroup, "create"),
    valid_input_statuses=[422],
    tag=_TAG,
)
async def create(request: Request) -> Response:
    return await create_from_body(request, _store(request).create, status=200)


@operation(
    "retrievePlanGroup", "Retrieve a plan group", {200: Reply("The plan group.", GROUP), 404: NOT_FOUND}, tag=_TAG
)
async def get(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, request.path_params["uuid"]))


@operation(
    "updatePlanGroup",
    "Rename a plan group or replace its plans",
    {200: Reply("The changed plan group.", GROUP), 404: NOT_FOUND, 422: INVALID},
    body=declared(PlanGroup, "update"),
    valid_input_statuses=[422],
    tag=_TAG,
)
async def patch(request: Request) -> Response:
    return await apply_body(request, _store(request).update, status=200)


@operation(
    "deletePlanGroup", "Delete a plan group (its plans stay)", {204: Reply("Deleted."), 404: NOT_FOUND}, tag=_TAG
)
async def delete(request: Request) -> Response:
    return await delete_by_uuid(request, _store(request).delete)


@operation(
    "listPlanGroupPlans",
    "List a plan group's plans, newest first",
    {200: Reply("A page of plans; page keys as on the list of groups.", _list("plans", PLAN)), 404: NOT_FOUND},
    query=PAGING,
    tag=_TAG,
)
async def group_plans(request: Request) -> Response:
    list_ = partial(_store(request).plans, request.path_params["uuid"])
    return await list_page(request, list_, "plans", _layout(request))


ROUTES = [
    Route("/plan_groups", list_groups, methods=["GET"]),
    Route("/plan_groups", create, methods=["POST"]),
    Route("/plan_groups/{uuid}", get, methods=["GET"]),
    Route("/plan_groups/{uuid}", patch, methods=["PATCH"]),
    Route("/plan_groups/{uuid}", delete, methods=["DELETE"]),
    Route("/plan_groups/{uuid}/plans", group_plans, methods=["GET"]),
]
