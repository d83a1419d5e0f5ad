"""`/v1/subscription_events`: writes wrapped in `subscription_event`, answers bare."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import SubscriptionEvent
from ...objects.subscription_events import EventType
from ..errors import bad_request
from ..openapi import (
    BOOLEAN,
    DETAILED_ERRORS,
    NULLABLE_STRING,
    REQUEST_TIMESTAMP_PATTERN,
    STRING,
    TIMESTAMP,
    WHITESPACE,
    Param,
    Reply,
    component,
    declared,
    obj,
    operation,
)
from ..requests import json_body, query_bool
from ..responses import json, no_content
from ..store.subscription_events import DATE_FILTERS, ENVELOPE, TEXT_FILTERS, SubscriptionEvents, wrapped
from .common import CURSOR, PER_PAGE, create_from_body, filters, paging, write
from .data_sources import FLAG

_TAG = "subscription events"
EVENT = declared(SubscriptionEvent)
NEW_EVENT = component("NewSubscriptionEventRequest", obj({ENVELOPE: declared(SubscriptionEvent, "create")}))
EVENT_CHANGES = component("SubscriptionEventUpdateRequest", obj({ENVELOPE: declared(SubscriptionEvent, "update")}))
NOT_FOUND = Reply("No such event (by `id`, or by `data_source_uuid` and `external_id`).", DETAILED_ERRORS)
INVALID = Reply(
    "A field missing or malformed, a price missing for a priced type, an unknown data source or customer, an "
    "`external_id` taken in the source.",
    DETAILED_ERRORS,
)
_DATE_FILTER = {"type": "string", "pattern": f"^[{WHITESPACE}]*$|{REQUEST_TIMESTAMP_PATTERN}"}
_COUNT = {"type": "integer", "minimum": 0}
EVENTS = obj(
    {
        "subscription_events": {"type": "array", "items": EVENT},
        "meta": obj(
            {
                "next_key": {"type": ["integer", "null"]},
                "prev_key": {"type": "null"},
                "before_key": TIMESTAMP,
                "page": _COUNT,
                "total_pages": _COUNT,
            }
        ),
        "cursor": NULLABLE_STRING,
        "has_more": BOOLEAN,
    }
)
# DELETE's parameters in the query string, as ruby sends them (`?subscription_event%5Bid%5D=1`).
_QUERY_KEYS = ("id", "data_source_uuid", "external_id")
DELETE_QUERY = [
    Param(f"{ENVELOPE}[id]", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "The event's `id`."),
    Param(f"{ENVELOPE}[data_source_uuid]", {"type": "string", "minLength": 1}, "With `external_id`."),
    Param(f"{ENVELOPE}[external_id]", {"type": "string", "minLength": 1}, "With `data_source_uuid`."),
]
DISABLED = {"disabled": BOOLEAN}
_BY_EXTERNAL_ID = {
    "data_source_uuid": {"type": "string", "minLength": 1},
    "external_id": {"type": "string", "minLength": 1},
}
DISABLE_BODY = {
    "anyOf": [
        obj({**_BY_EXTERNAL_ID, **DISABLED}),
        obj({ENVELOPE: obj(_BY_EXTERNAL_ID), **DISABLED}),
    ]
}
REFUSED = Reply("Known event, but only automatic data sources' events can be disabled.", DETAILED_ERRORS)
USER_EDIT = Param("handle_as_user_edit", FLAG, "Accepted; it matters only for automatic sources' events.")


def _store(request: Request) -> SubscriptionEvents:
    return request.app.state.stores.subscription_events


@operation(
    "listSubscriptionEvents",
    "List subscription events, newest first",
    {200: Reply("A page of events in the 2023-12 envelope.", EVENTS)},
    query=[
        Param("data_source_uuid", STRING),
        Param("customer_external_id", STRING),
        Param("external_id", STRING),
        Param("subscription_external_id", STRING),
        Param("plan_external_id", STRING),
        Param("event_type", {"enum": list(EventType.__args__)}),
        Param("event_date", _DATE_FILTER, "A day matches the whole day; an instant its second."),
        Param("effective_date", _DATE_FILTER, "As `event_date`."),
        Param("with_disabled", FLAG, "Accepted; no mogul event is ever disabled."),
        Param("include_edit_histories", FLAG, "Accepted; mogul keeps no edit history."),
        PER_PAGE,
        CURSOR,
    ],
    tag=_TAG,
)
async def list_events(request: Request) -> Response:
    for flag in ("with_disabled", "include_edit_histories"):
        query_bool(request, flag)  # checked, though they change nothing here
    event_type = request.query_params.get("event_type")
    if event_type and event_type not in EventType.__args__:
        raise bad_request(f"event_type must be one of {', '.join(EventType.__args__)}", "event_type")
    wanted = filters(request, "data_source_uuid", *TEXT_FILTERS, *DATE_FILTERS)
    return json(await run_in_threadpool(_store(request).list, wanted, paging(request, allow_page=False)))


@operation(
    "createSubscriptionEvent",
    "Create a subscription event",
    {201: Reply("The new event, unwrapped.", EVENT), 422: INVALID},
    body=NEW_EVENT,
    query=[USER_EDIT],
    valid_input_statuses=[422],
    tag=_TAG,
)
async def create(request: Request) -> Response:
    query_bool(request, USER_EDIT.name)
    return await create_from_body(request, _store(request).create)


@operation(
    "updateSubscriptionEvent",
    "Change a subscription event, named by `id` or by `data_source_uuid` and `external_id`",
    {200: Reply("The changed event, unwrapped.", EVENT), 404: NOT_FOUND, 422: INVALID},
    body=EVENT_CHANGES,
    query=[USER_EDIT],
    valid_input_statuses=[400, 404, 422],
    tag=_TAG,
)
async def update(request: Request) -> Response:
    query_bool(request, USER_EDIT.name)
    return await create_from_body(request, _store(request).update, status=200)


@operation(
    "deleteSubscriptionEvent",
    "Delete a subscription event; its name in a JSON body or in the query string",
    {204: Reply("Deleted."), 404: NOT_FOUND, 422: INVALID},
    query=[*DELETE_QUERY, USER_EDIT],
    body=EVENT_CHANGES,
    body_required=False,
    description=(
        'The body `{"subscription_event": {"id": 1}}` (or `data_source_uuid` and `external_id`), or the same '
        "keys in the query string: `?subscription_event%5Bid%5D=1`. The body wins when both are sent."
    ),
    valid_input_statuses=[400, 404, 422],
    tag=_TAG,
)
async def delete(request: Request) -> Response:
    query_bool(request, USER_EDIT.name)
    body = await json_body(request)
    if body:
        inner = wrapped(body)
    else:
        query = request.query_params
        inner = {key: query[f"{ENVELOPE}[{key}]"] for key in _QUERY_KEYS if f"{ENVELOPE}[{key}]" in query}
    await write(request, _store(request).delete, inner)
    return no_content()


def _disabled(request: Request, body: dict[str, Any]) -> bool:
    query_bool(request, USER_EDIT.name)
    value = body.get("disabled")
    if not isinstance(value, bool):
        raise bad_request("disabled must be true or false", "disabled")
    return value


@operation(
    "disableSubscriptionEvent",
    "Disable or enable a subscription event by `id`",
    {200: Reply("The event (automatic sources only).", EVENT), 404: NOT_FOUND, 422: REFUSED},
    path_params={"id": {"type": "string", "pattern": "^[0-9]{1,18}$"}},
    body=obj(DISABLED),
    query=[USER_EDIT],
    valid_input_statuses=[404, 422],
    tag=_TAG,
)
async def disable_by_id(request: Request) -> Response:
    _disabled(request, await json_body(request))
    return json(await run_in_threadpool(_store(request).set_disabled, {"id": request.path_params["id"]}))


@operation(
    "disableSubscriptionEventByExternalId",
    "Disable or enable a subscription event by `data_source_uuid` and `external_id`",
    {200: Reply("The event (automatic sources only).", EVENT), 404: NOT_FOUND, 422: REFUSED},
    body=DISABLE_BODY,
    query=[USER_EDIT],
    description="Flat (python, n8n) or with the two keys wrapped in `subscription_event` (ruby).",
    valid_input_statuses=[400, 404, 422],
    tag=_TAG,
)
async def disable_by_external_id(request: Request) -> Response:
    body = await json_body(request)
    _disabled(request, body)
    inner = wrapped(body) if ENVELOPE in body else {key: body.get(key) for key in ("data_source_uuid", "external_id")}
    return json(await run_in_threadpool(_store(request).set_disabled, inner))


ROUTES = [
    Route("/subscription_events", list_events, methods=["GET"]),
    Route("/subscription_events", create, methods=["POST"]),
    Route("/subscription_events", update, methods=["PATCH"]),
    Route("/subscription_events", delete, methods=["DELETE"]),
    Route("/subscription_events/disabled_state", disable_by_external_id, methods=["PATCH"]),
    Route("/subscription_events/{id}/disabled_state", disable_by_id, methods=["PATCH"]),
]
