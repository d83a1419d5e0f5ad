"""`/v1/metrics/*`: series computed from the in-memory aggregate of processed results."""

from __future__ import annotations

import re
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...engine import METRICS, metrics_response
from ...engine.timeutil import INTERVALS
from ...objects import AllMetricsSummary, MetricSummary
from ...objects.metrics import ENTRIES
from ..errors import bad_request
from ..openapi import WHITESPACE, Param, Reply, calendar_date, declared, obj, operation
from ..processing import load_settings
from ..responses import json

MAX_ENTRIES = 5_000
# Days from 1000-01-01 to 9998-12-31: the periods around them (and the look-back) stay within `date`'s range.
MIN_YEAR, MAX_YEAR = 1000, 9998
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What `_day` reads: a day, then anything (a time, say), within whitespace.
DAY_PARAM = {
    "type": "string",
    "pattern": f"^[{WHITESPACE}]*{calendar_date('(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])')}[^\\u0000]*$",
}
_ENTRIES = [declared(cls) for cls in ENTRIES.values()]
_SUMMARIES = [declared(AllMetricsSummary), declared(MetricSummary)]
METRICS_BODY = obj(
    {"entries": {"type": "array", "items": {"anyOf": _ENTRIES}, "minItems": 1}, "summary": {"anyOf": _SUMMARIES}}
)
_DAYS_PER = {"day": 1, "week": 7, "month": 28, "quarter": 90, "year": 365}
# The reference's intervals per metric. Customer and MRR churn rates and LTV are monthly figures: their
# endpoints take no interval (its examples call them without one; chartmogul-node's `ParamsNoInterval`), so
# one given is checked and otherwise ignored. ASP is month, quarter or year. The others take every interval
# and, without one, answer daily entries (as recorded from the API).
MONTHLY_ONLY = frozenset({"customer-churn-rate", "mrr-churn-rate", "ltv"})
ALLOWED_INTERVALS: dict[str, tuple[str, ...]] = {"asp": ("month", "quarter", "year")}
DEFAULT_INTERVAL = {"asp": "month"}


def interval_for(metric: str, requested: str | None) -> str:
    """The interval a metric's entries use, or a 400 for one the metric does not take."""
    if requested and requested not in INTERVALS:
        raise bad_request(f"interval must be one of {', '.join(INTERVALS)}", "interval")
    if metric in MONTHLY_ONLY:
        return "month"
    allowed = ALLOWED_INTERVALS.get(metric, INTERVALS)
    if requested and requested not in allowed:
        raise bad_request(f"{metric} takes interval {', '.join(allowed)}", "interval")
    return requested or DEFAULT_INTERVAL.get(metric, "day")


def _day(request: Request, name: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        raise bad_request(f"{name} is required (YYYY-MM-DD)", name)
    text = raw.strip()
    # The pattern first: date.fromisoformat also takes `20160101` and week dates.
    try:
        if not _DAY.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text[:10])
    except ValueError as exc:
        raise bad_request(f"{name} must be a date (YYYY-MM-DD)", name) from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise bad_request(f"{name} must be between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31", name)
    return day


def _csv(request: Request, name: str) -> list[str]:
    raw = request.query_params.get(name) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


@operation(
    "retrieveMetric",
    "A metric's series over a date range, and a summary",
    {200: Reply("Entries dated at each period's last day, then the summary.", METRICS_BODY)},
    path_params={"metric": {"enum": list(METRICS)}},
    query=[
        Param("start-date", DAY_PARAM, "The first day (YYYY-MM-DD).", required=True),
        Param("end-date", DAY_PARAM, "The last day, not before `start-date`.", required=True),
        Param(
            "interval",
            {"enum": ["", *INTERVALS]},
            "Period of each entry: default `day`; `asp` takes month, quarter or year (default month); "
            "customer-churn-rate, mrr-churn-rate and ltv are monthly whatever is given.",
        ),
        Param("geo", {"type": "string"}, "Comma-separated ISO country codes."),
        Param("plans", {"type": "string"}, "Comma-separated plan names."),
    ],
    description=f"400 also for an end-date before the start-date or more than {MAX_ENTRIES} entries.",
    valid_input_statuses=[400],
    tag="metrics",
)
async def metric(request: Request) -> Response:
    name = request.path_params["metric"]
    if name not in METRICS:
        raise bad_request(f"unknown metric {name!r}; one of {', '.join(METRICS)}")
    start, end = _day(request, "start-date"), _day(request, "end-date")
    if end < start:
        raise bad_request("end-date must not be before start-date", "end-date")
    interval = interval_for(name, request.query_params.get("interval"))
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
        as_of = min(max(today, start), end)
        return state.metrics.response(
            settings,
            geo,
            plans,
            (name, start, end, interval, as_of),
            lambda agg: metrics_response(agg, name, start, end, interval, settings.ltv_mode, as_of),
        )

    return json(await run_in_threadpool(compute))


ROUTES = [Route("/metrics/{metric}", metric, methods=["GET"])]
