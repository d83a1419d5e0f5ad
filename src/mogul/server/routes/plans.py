"""`/v1/plans`."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import Plan, PlanList
from .. import pagination
from ..openapi import NOT_FOUND, PAGING, STRING, UNPROCESSABLE, Param, Reply, declared, operation
from ..responses import json
from ..store.plans import Plans
from .common import DELETED, apply_body, create_from_body, delete_by_uuid, list_page, paging

PLAN = declared(Plan)


def _store(request: Request) -> Plans:
    return request.app.state.stores.plans


@operation(
    "listPlans",
    "List plans, oldest first, by cursor",
    {
        200: Reply(
            "A page of plans; `current_page` and `total_pages` only without a cursor, and only they with `page`.",
            declared(PlanList),
        )
    },
    query=[
        Param("data_source_uuid", STRING),
        Param("external_id", STRING),
        Param("system", STRING, "The data source's system, compared case-insensitively."),
        *PAGING,
    ],
    tag="plans",
)
async def list_plans(request: Request) -> Response:
    layout = pagination.legacy_layout(paging(request), pagination.PLANS)
    return await list_page(request, _store(request).list, "plans", layout, "data_source_uuid", "external_id", "system")


@operation(
    "createPlan",
    "Create a plan",
    {
        201: Reply("The new plan.", PLAN),
        422: Reply("A bad field, an unknown data source or a duplicate external_id.", UNPROCESSABLE.schema),
    },
    body=declared(Plan, "create"),
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
    body=declared(Plan, "update"),
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
