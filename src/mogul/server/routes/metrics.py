"""`/v1/metrics/*` (reference §4): series computed from the in-memory aggregate of processed results."""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...engine import METRICS, metrics_response
from ...engine.timeutil import INTERVALS
from ..errors import bad_request
from ..processing import load_settings
from ..responses import json

MAX_ENTRIES = 5_000
_DAYS_PER = {"day": 1, "week": 7, "month": 28, "quarter": 90, "year": 365}


def _day(request: Request, name: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        raise bad_request(f"{name} is required (YYYY-MM-DD)", name)
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError as exc:
        raise bad_request(f"{name} must be a date (YYYY-MM-DD)", name) from exc


def _csv(request: Request, name: str) -> list[str]:
    raw = request.query_params.get(name) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


async def metric(request: Request) -> Response:
    name = request.path_params["metric"]
    if name not in METRICS:
        raise bad_request(f"unknown metric {name!r}; one of {', '.join(METRICS)}")
    start, end = _day(request, "start-date"), _day(request, "end-date")
    if end < start:
        raise bad_request("end-date must not be before start-date", "end-date")
    interval = request.query_params.get("interval") or "day"  # the recorded default: daily entries
    if interval not in INTERVALS:
        raise bad_request(f"interval must be one of {', '.join(INTERVALS)}", "interval")
    if (end - start).days // _DAYS_PER[interval] > MAX_ENTRIES:
        raise bad_request(
            f"at most {MAX_ENTRIES} entries per request: shorten the range or widen the interval", "interval"
        )
    geo = frozenset(code.upper() for code in _csv(request, "geo")) or None
    plans = tuple(sorted(_csv(request, "plans"))) or None
    state = request.app.state
    today = date.today()

    def compute() -> dict:
        settings = load_settings(state.db)
        agg = state.metrics.filtered(settings, geo, plans)
        as_of = min(max(today, start), end)
        return metrics_response(agg, name, start, end, interval, settings.ltv_mode, as_of)

    return json(await run_in_threadpool(compute))


ROUTES = [Route("/metrics/{metric}", metric, methods=["GET"])]
