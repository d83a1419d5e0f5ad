"""`/v1/activities`, `/v1/customers/{uuid}/activities` and `/v1/customers/{uuid}/subscriptions` (§2.5, §3)."""

from __future__ import annotations

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import pagination
from ..errors import bad_request
from ..responses import json
from ..store.activities import Activities, ActivityQuery
from ..timefmt import parse_timestamp
from .common import paging

DAY_US = 86_400_000_000


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
    # `per-page` + `start-after` are the legacy anchor form Airbyte's connector sends (reference §3.1).
    per_page_name = "per-page" if "per-page" in q and "per_page" not in q else "per_page"
    params = pagination.page_params(
        {"per_page": q.get(per_page_name, ""), "cursor": q.get("cursor", "")}, allow_page=False
    )
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


async def list_activities(request: Request) -> Response:
    query = _query(request)
    page = await run_in_threadpool(_store(request).list, query)
    tail: dict[str, object] = {"has_more": page.has_more}
    if query.after is None and query.after_uuid is None:
        tail["per_page"] = query.per_page  # first page only, as recorded
    tail["cursor"] = page.cursor
    # Entries are stored rendered: splice them instead of decoding and re-encoding 200 objects per page.
    body = b'{"entries":[' + ",".join(page.bodies).encode() + b"]," + orjson.dumps(tail)[1:]
    return Response(body, media_type="application/json")


async def customer_activities(request: Request) -> Response:
    page, entries = await run_in_threadpool(_store(request).for_customer, request.path_params["uuid"], paging(request))
    return json(page.envelope("entries", entries, ("has_more", "per_page", "page", "cursor")))


async def customer_subscriptions(request: Request) -> Response:
    # This list's cursor is its own (`subscriptions_next_page=N`), so only `per_page` goes through the parser.
    q = request.query_params
    per_page = pagination.page_params({"per_page": q.get("per_page", "")}, allow_page=False).per_page
    body = await run_in_threadpool(
        _store(request).subscriptions, request.path_params["uuid"], per_page, q.get("cursor") or None
    )
    return json(body)


ROUTES = [
    Route("/activities", list_activities, methods=["GET"]),
    Route("/customers/{uuid}/activities", customer_activities, methods=["GET"]),
    Route("/customers/{uuid}/subscriptions", customer_subscriptions, methods=["GET"]),
]
