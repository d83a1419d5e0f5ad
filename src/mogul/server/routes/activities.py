"""`/v1/activities`, `/v1/customers/{uuid}/activities` and `/v1/customers/{uuid}/subscriptions`."""

from __future__ import annotations

from dataclasses import replace

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...engine import ACTIVITY_TYPES
from ...objects import Activity, CustomerActivity, CustomerSubscription, CustomerSubscriptionList
from .. import pagination
from ..errors import bad_request
from ..openapi import (
    BOOLEAN,
    NOT_FOUND,
    NULLABLE_STRING,
    REQUEST_TIMESTAMP_PATTERN,
    STRING,
    WHITESPACE,
    Param,
    Reply,
    declared,
    obj,
    operation,
)
from ..responses import json
from ..store.activities import Activities, ActivityQuery
from ..timefmt import parse_timestamp
from .common import CURSOR, PAGE, PAGING, PER_PAGE, envelope, paging, read

DAY_US = 86_400_000_000
_TAG = "activities"
ACTIVITY = declared(Activity)
CUSTOMER_ACTIVITY = declared(CustomerActivity)
CUSTOMER_SUBSCRIPTION = declared(CustomerSubscription)
_PER_PAGE_OUT = {"type": "integer", "minimum": 1, "maximum": pagination.MAX_PER_PAGE}
# A blank date is no bound.
_WHEN = {"type": "string", "pattern": f"^[{WHITESPACE}]*$|{REQUEST_TIMESTAMP_PATTERN}"}


def _store(request: Request) -> Activities:
    return request.app.state.stores.activities


def _date(request: Request, name: str, *, end: bool = False) -> int | None:
    """`start-date`/`end-date` as a date or a datetime. A plain end date includes its whole day."""
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = parse_timestamp(raw)
    except ValueError as exc:
        raise bad_request(f"{name} must be an ISO-8601 date or datetime", name) from exc
    if end:
        return value + (DAY_US if len(raw.strip()) == 10 else 1)
    return value


def _query(request: Request) -> ActivityQuery:
    q = request.query_params
    # `per-page` + `start-after` are the legacy anchor form Airbyte's connector sends.
    # Both spellings are checked; `per_page` wins when both are given.
    legacy = pagination.page_params({"per_page": q.get("per-page", "")}, allow_page=False)
    params = pagination.page_params(
        {"per_page": q.get("per_page", ""), "cursor": q.get("cursor", "")}, allow_page=False
    )
    if "per_page" not in q and "per-page" in q:
        params = replace(params, per_page=legacy.per_page)
    order = q.get("order", "date")
    if order not in ("date", "-date"):
        raise bad_request("order must be date or -date", "order")
    start, end = _date(request, "start-date"), _date(request, "end-date", end=True)
    if start is not None and end is not None and end <= start:
        raise bad_request("end-date must be after start-date", "end-date")
    return ActivityQuery(
        start=start,
        end=end,
        type=q.get("type") or None,
        descending=order == "-date",
        per_page=params.per_page,
        after=params.after,
        after_uuid=None if params.after is not None else (q.get("start-after") or None),
    )


@operation(
    "listActivities",
    "The account's MRR movements, by date",
    {
        200: Reply(
            "A page of activities; `per_page` only on a first page.",
            obj(
                {
                    "entries": {"type": "array", "items": ACTIVITY},
                    "has_more": BOOLEAN,
                    "per_page": _PER_PAGE_OUT,
                    "cursor": NULLABLE_STRING,
                },
                required=["entries", "has_more", "cursor"],
            ),
        )
    },
    query=[
        PER_PAGE,
        Param("per-page", PER_PAGE.schema, "The legacy spelling of `per_page` (which wins when both are given)."),
        CURSOR,
        Param("start-after", STRING, "Legacy anchor: the uuid of the last activity seen (unknown: 400)."),
        Param("start-date", _WHEN, "From this instant (a day: its start)."),
        Param("end-date", _WHEN, "Before this instant (a day: its whole day); after `start-date`, else 400."),
        Param("type", {"enum": ["", *ACTIVITY_TYPES]}, "Only this type of movement."),
        Param("order", {"enum": ["date", "-date"]}, "Oldest (`date`, the default) or newest first."),
    ],
    valid_input_statuses=[400],
    tag=_TAG,
)
async def list_activities(request: Request) -> Response:
    query = _query(request)
    page = await read(request, _store(request).list, query)
    tail: dict[str, object] = {"has_more": page.has_more}
    if query.after is None and query.after_uuid is None:
        tail["per_page"] = query.per_page  # first page only, as recorded
    tail["cursor"] = page.cursor
    # Entries are stored rendered: splice them instead of decoding and re-encoding 200 objects per page.
    body = b'{"entries":[' + ",".join(page.bodies).encode() + b"]," + orjson.dumps(tail)[1:]
    return Response(body, media_type="application/json")


@operation(
    "listCustomerActivities",
    "A customer's MRR movements, by date",
    {
        200: Reply(
            "A page of activities.",
            envelope("entries", CUSTOMER_ACTIVITY, ("has_more", "per_page", "page", "cursor")),
        ),
        404: NOT_FOUND,
    },
    query=PAGING,
    valid_input_statuses=[400],
    tag=_TAG,
)
async def customer_activities(request: Request) -> Response:
    page, entries = await run_in_threadpool(_store(request).for_customer, request.path_params["uuid"], paging(request))
    return json(page.envelope("entries", entries, ("has_more", "per_page", "page", "cursor")))


@operation(
    "listCustomerSubscriptions",
    "A customer's subscriptions as the metrics engine sees them",
    {
        200: Reply(
            "A page of subscriptions; `per_page` and `page` only on a first page, no `cursor` with `page`.",
            declared(CustomerSubscriptionList),
        ),
        404: NOT_FOUND,
    },
    query=[PER_PAGE, CURSOR, PAGE],
    valid_input_statuses=[400],
    tag=_TAG,
)
async def customer_subscriptions(request: Request) -> Response:
    # This list's cursor is its own (`subscriptions_next_page=N`), so only `per_page` and the deprecated `page`
    # (the recorded first page carries `"page": 1`) go through the parser.
    q = request.query_params
    params = pagination.page_params({"per_page": q.get("per_page", ""), "page": q.get("page", "")})
    body = await run_in_threadpool(
        _store(request).subscriptions,
        request.path_params["uuid"],
        params.per_page,
        q.get("cursor") or None,
        params.page,
    )
    return json(body)


ROUTES = [
    Route("/activities", list_activities, methods=["GET"]),
    Route("/customers/{uuid}/activities", customer_activities, methods=["GET"]),
    Route("/customers/{uuid}/subscriptions", customer_subscriptions, methods=["GET"]),
]
