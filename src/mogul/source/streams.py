"""The streams, as declarations: what to call, where the records are, their keys and schema, and how
the read is sliced. `reader.py` runs any of them; nothing here performs I/O.

Slicing:
- `windowed`: the date range is cut into `window_days` windows read in parallel (activities).
- `split_customers`: `/v1/customers` as parallel chains per status, checked by counts (customers.py).
- `parent`: one partition per customer, found by paging `/v1/customers` as above (subscriptions).
- otherwise one partition: a cursor-paginated list, or a single request.

Incremental streams keep `{"date": <max cursor seen>}` as state. Activities also keep the uuids
at that date, so the inclusive boundary is not emitted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..objects.account import SETTINGS
from . import schemas
from .config import Config
from .schemas import Schema

Params = Callable[[Config], dict[str, Any]]


def _no_params(_: Config) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class DateRange:
    """How a partition's date range goes into the query string."""

    start_param: str = "start-date"
    end_param: str = "end-date"
    dates_only: bool = False
    """Metrics take `YYYY-MM-DD`; activities take date-times."""
    open_end: bool = False
    """Without a configured end_date, send no end at all (activities may be dated in the future)."""


@dataclass(frozen=True)
class Members:
    """A list each record's own members come from, added to the record as their uuids (a plan group's plans)."""

    field: str
    path: str
    """With `{uuid}`: the record's uuid."""
    records_key: str


@dataclass(frozen=True)
class Stream:
    name: str
    path: str
    schema: Schema
    records_key: str = "entries"
    """Where a response holds the records; `""`: the response is the one record (`/v1/account`)."""
    primary_key: tuple[str, ...] = ("uuid",)
    cursor_field: str | None = None
    """Set on streams that support incremental sync (cursor always `date`, source-defined)."""
    paginated: bool = True
    params: Params = field(default=_no_params)
    date_range: DateRange | None = None
    windowed: bool = False
    parent: str | None = None
    """`customers`: the path holds `{customer_uuid}` and records get `customer_uuid` added."""
    dedupe_boundary: bool = False
    sequential: bool = False
    """Cursor chains, which cannot go faster than one page per round trip: their requests get the rate limiter's
    priority."""
    split_customers: bool = False
    """`/v1/customers`, read as parallel chains per status (customers.py)."""
    members: Members | None = None
    description: str = ""

    @property
    def incremental(self) -> bool:
        return self.cursor_field is not None

    def airbyte_stream(self) -> dict[str, Any]:
        """The AirbyteStream of `discover`."""
        out: dict[str, Any] = {
            "name": self.name,
            "json_schema": self.schema,
            "supported_sync_modes": ["full_refresh", "incremental"] if self.incremental else ["full_refresh"],
            "source_defined_primary_key": [[key] for key in self.primary_key],
            "is_resumable": self.incremental,
        }
        if self.incremental:
            out["source_defined_cursor"] = True
            out["default_cursor_field"] = [self.cursor_field]
        return out


def _interval(value: str) -> Params:
    return lambda _: {"interval": value}


def _configured_interval(config: Config) -> dict[str, Any]:
    return {"interval": config.interval}


def _data_source_flags(_: Config) -> dict[str, Any]:
    return {"with_processing_status": True, "with_auto_churn_subscription_setting": True}


def _account_settings(_: Config) -> dict[str, Any]:
    return {"include": ",".join(SETTINGS)}


METRIC_RANGE = DateRange(dates_only=True)


def _count_stream(name: str, params: Params, description: str) -> Stream:
    return Stream(
        name=name,
        path="/v1/metrics/customer-count",
        schema=schemas.CUSTOMER_COUNT,
        primary_key=("date",),
        cursor_field="date",
        paginated=False,
        params=params,
        date_range=METRIC_RANGE,
        description=description,
    )


STREAMS: tuple[Stream, ...] = (
    # Long sequential chains first: they start before the parallel work and set the read's length.
    Stream(
        "customers",
        "/v1/customers",
        schemas.CUSTOMER,
        sequential=True,
        split_customers=True,
        description="All customers, by cursor pagination (never the deprecated `page`), per data source and status.",
    ),
    Stream(
        "subscriptions",
        "/v1/customers/{customer_uuid}/subscriptions",
        schemas.SUBSCRIPTION,
        parent="customers",
        description="Each customer's subscriptions; `customer_uuid` is added to every record.",
    ),
    Stream(
        "activities",
        "/v1/activities",
        schemas.ACTIVITY,
        cursor_field="date",
        date_range=DateRange(dates_only=False, open_end=True),
        windowed=True,
        dedupe_boundary=True,
        description="MRR movements from start_date; incremental on `date` with a lookback window.",
    ),
    Stream("invoices", "/v1/invoices", schemas.INVOICE, records_key="invoices", sequential=True),
    # The CRM lists take no updated-since filter and page newest first: full refresh only.
    Stream("contacts", "/v1/contacts", schemas.CONTACT, sequential=True, description="Every contact."),
    Stream(
        "customer_notes",
        "/v1/customer_notes",
        schemas.CUSTOMER_NOTE,
        sequential=True,
        description="Every note and call log.",
    ),
    Stream(
        "opportunities", "/v1/opportunities", schemas.OPPORTUNITY, sequential=True, description="Every opportunity."
    ),
    Stream(
        "tasks",
        "/v1/tasks",
        schemas.TASK,
        primary_key=("task_uuid",),
        sequential=True,
        description="Every task; the key is `task_uuid`.",
    ),
    Stream("plans", "/v1/plans", schemas.PLAN, records_key="plans", sequential=True),
    Stream(
        "data_sources",
        "/v1/data_sources",
        schemas.DATA_SOURCE,
        records_key="data_sources",
        paginated=False,
        params=_data_source_flags,
    ),
    Stream(
        "metrics",
        "/v1/metrics/all",
        schemas.METRICS,
        primary_key=("date",),
        cursor_field="date",
        paginated=False,
        params=_configured_interval,
        date_range=METRIC_RANGE,
        description="All key metrics (MRR, ARR, ARPA, ASP, churn rates, LTV, customers) at `interval`.",
    ),
    Stream(
        "plan_groups",
        "/v1/plan_groups",
        schemas.PLAN_GROUP,
        records_key="plan_groups",
        sequential=True,
        members=Members("plan_uuids", "/v1/plan_groups/{uuid}/plans", "plans"),
        description="Plan groups, each with `plan_uuids`: its plans, from `/v1/plan_groups/{uuid}/plans`.",
    ),
    Stream(
        "subscription_events",
        "/v1/subscription_events",
        schemas.SUBSCRIPTION_EVENT,
        records_key="subscription_events",
        primary_key=("id",),
        sequential=True,
        description="Subscription events; full refresh (the API filters by no date range, and shows no deletion).",
    ),
    Stream(
        "account",
        "/v1/account",
        schemas.ACCOUNT,
        records_key="",
        primary_key=("id",),
        paginated=False,
        params=_account_settings,
        description="The account, with every setting (`include=`).",
    ),
    _count_stream("customer_count", _configured_interval, "Customer count at the configured `interval`."),
    _count_stream("customer_daily_count", _interval("day"), "Customer count per day (Airbyte's stream)."),
    _count_stream("customer_weekly_count", _interval("week"), "Customer count per week (Airbyte's stream)."),
    _count_stream("customer_monthly_count", _interval("month"), "Customer count per month (Airbyte's stream)."),
    _count_stream("customer_quarterly_count", _interval("quarter"), "Customer count per quarter (Airbyte's stream)."),
)

BY_NAME: dict[str, Stream] = {stream.name: stream for stream in STREAMS}
