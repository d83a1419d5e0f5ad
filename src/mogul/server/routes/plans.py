"""`/v1/plans` (reference §5.1)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import pagination
from ..openapi import NOT_FOUND, STRING, UNPROCESSABLE, Param, Reply, component, obj, operation, text
from ..requests import json_body
from ..responses import json, no_content
from ..store.fields import INT32_MAX
from ..store.plans import INTERVAL_UNITS, MAX_TEXT, Plans
from .common import PAGING, envelope, filters, paging

PLAN = component(
    "Plan",
    obj(
        {
            "uuid": {"type": "string", "pattern": "^pl_"},
            "data_source_uuid": {"type": "string", "pattern": "^ds_"},
            "name": STRING,
            "interval_count": {"type": "integer", "minimum": 1},
            "interval_unit": {"enum": list(INTERVAL_UNITS)},
            "external_id": STRING,
        }
    ),
)
_INTERVAL = {
    "name": text(MAX_TEXT, not_blank=True),
    "interval_count": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
    "interval_unit": {"enum": list(INTERVAL_UNITS)},
}
NEW_PLAN = component(
    "NewPlan",
    obj(
        {
            "data_source_uuid": text(minLength=1),
            **_INTERVAL,
            "external_id": text(MAX_TEXT, nullable=True, not_blank=True),
        },
        required=["data_source_uuid", *_INTERVAL],
    ),
)
PLAN_UPDATE = component("PlanUpdate", obj(_INTERVAL, required=[]))
_TAG = "plans"


def _store(request: Request) -> Plans:
    return request.app.state.stores.plans


@operation(
    "listPlans",
    "List plans, oldest first",
    {200: Reply("A page of plans.", envelope("plans", PLAN, pagination.PLANS))},
    query=[
        Param("data_source_uuid", STRING, "Only this data source's plans."),
        Param("external_id", STRING, "Only the plans with this external id."),
        Param("system", STRING, "Only plans of sources of this billing system, any case."),
        *PAGING,
    ],
    valid_input_statuses=[400],
    tag=_TAG,
)
async def list_plans(request: Request) -> Response:
    wanted = filters(request, "data_source_uuid", "external_id", "system")
    page, items = await run_in_threadpool(_store(request).list, wanted, paging(request))
    return json(page.envelope("plans", items, pagination.PLANS))


@operation(
    "createPlan",
    "Create a plan",
    {201: Reply("The new plan.", PLAN), 422: UNPROCESSABLE},
    body=NEW_PLAN,
    description="422 also for an unknown `data_source_uuid` or an `external_id` already taken in the source.",
    valid_input_statuses=[422],
    tag=_TAG,
)
async def create(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).create, body), status=201)


@operation("retrievePlan", "Retrieve a plan", {200: Reply("The plan.", PLAN), 404: NOT_FOUND}, tag=_TAG)
async def get(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, request.path_params["uuid"]))


@operation(
    "updatePlan",
    "Rename a plan or change its interval",
    {202: Reply("The plan.", PLAN), 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=PLAN_UPDATE,
    tag=_TAG,
)
async def patch(request: Request) -> Response:
    body = await json_body(request)
    return json(await run_in_threadpool(_store(request).update, request.path_params["uuid"], body), status=202)


@operation(
    "deletePlan",
    "Delete a plan no line item or subscription names",
    {204: Reply("Deleted."), 404: NOT_FOUND, 422: UNPROCESSABLE},
    description="422 while a line item or subscription still names the plan.",
    valid_input_statuses=[422],
    tag=_TAG,
)
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
