"""Typed views over API JSON. Attributes are typed and snake_case; `obj["customer-since"]` reaches any JSON
field by its own name, and `obj.to_dict()` returns the JSON as received.

The objects declared in `mogul.objects` are their own typed views: they are re-exported here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from ..objects import (
    Account,
    ActivitiesExport,
    Activity,
    Address,
    AllMetricsEntry,
    AllMetricsSummary,
    ApiObject,
    ArpaEntry,
    ArrEntry,
    AspEntry,
    AutoChurnSetting,
    CodedError,
    Contact,
    Customer,
    CustomerActivity,
    CustomerChurnRateEntry,
    CustomerCountEntry,
    CustomerNote,
    DataSource,
    DetailedError,
    InvoiceHandlingSetting,
    LegacyError,
    LtvEntry,
    MetricEntry,
    MetricSummary,
    MrrChurnRateEntry,
    MrrEntry,
    Note,
    Opportunity,
    PlanGroup,
    ProcessingStatus,
    SubscriptionEvent,
    Task,
    ValidationErrors,
)

__all__ = [
    "Account",
    "ActivitiesExport",
    "Activity",
    "Address",
    "AllMetricsEntry",
    "AllMetricsSummary",
    "ApiObject",
    "ArpaEntry",
    "ArrEntry",
    "AspEntry",
    "AutoChurnSetting",
    "CodedError",
    "Contact",
    "Customer",
    "CustomerActivity",
    "CustomerChurnRateEntry",
    "CustomerCountEntry",
    "CustomerNote",
    "CustomerSubscription",
    "DataSource",
    "DetailedError",
    "Invoice",
    "InvoiceHandlingSetting",
    "LegacyError",
    "LineItem",
    "LtvEntry",
    "MetricEntry",
    "MetricSummary",
    "MetricsReport",
    "MrrChurnRateEntry",
    "MrrEntry",
    "Note",
    "Opportunity",
    "Plan",
    "PlanGroup",
    "ProcessingStatus",
    "Subscription",
    "SubscriptionEvent",
    "Task",
    "Transaction",
    "ValidationErrors",
]

T = TypeVar("T")


class Field(Generic[T]):
    """A typed attribute read from the JSON key `name` (default: the attribute's own name)."""

    def __init__(self, name: str | None = None, parse: Callable[[Any], T] | None = None) -> None:
        self.key = name
        self.parse = parse

    def __set_name__(self, owner: type, attr: str) -> None:
        if self.key is None:
            self.key = attr

    @overload
    def __get__(self, obj: None, owner: type) -> Field[T]: ...
    @overload
    def __get__(self, obj: ApiObject, owner: type) -> T: ...
    def __get__(self, obj: ApiObject | None, owner: type) -> Field[T] | T:
        if obj is None:
            return self
        value = obj._data.get(self.key)  # type: ignore[arg-type]
        if value is None or self.parse is None:
            return value  # type: ignore[return-value]
        return self.parse(value)


def parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Plan(ApiObject):
    uuid = Field[str]()
    data_source_uuid = Field[str]()
    external_id = Field[str]()
    name = Field[str]()
    interval_count = Field[int]()
    interval_unit = Field[str]()


class LineItem(ApiObject):
    uuid = Field[str]()
    external_id = Field[str | None]()
    type = Field[str]()
    subscription_uuid = Field[str | None]()
    subscription_external_id = Field[str | None]()
    plan_uuid = Field[str | None]()
    service_period_start = Field[datetime](parse=parse_datetime)
    service_period_end = Field[datetime](parse=parse_datetime)
    amount_in_cents = Field[int]()
    quantity = Field[int]()
    prorated = Field[bool]()
    tax_amount_in_cents = Field[int]()
    discount_amount_in_cents = Field[int]()
    description = Field[str | None]()


class Transaction(ApiObject):
    uuid = Field[str]()
    external_id = Field[str | None]()
    type = Field[str]()
    result = Field[str]()
    date = Field[datetime](parse=parse_datetime)
    amount_in_cents = Field[int | None]()


def _items(values: list[dict[str, Any]]) -> list[LineItem]:
    return [LineItem(v) for v in values]


def _transactions(values: list[dict[str, Any]]) -> list[Transaction]:
    return [Transaction(v) for v in values]


class Invoice(ApiObject):
    uuid = Field[str]()
    external_id = Field[str]()
    customer_uuid = Field[str | None]()
    data_source_uuid = Field[str | None]()
    date = Field[datetime](parse=parse_datetime)
    due_date = Field[datetime](parse=parse_datetime)
    currency = Field[str]()
    line_items = Field[list[LineItem]](parse=_items)
    transactions = Field[list[Transaction]](parse=_transactions)


def _dates(values: list[str]) -> list[datetime]:
    return [parse_datetime(v) for v in values]


class Subscription(ApiObject):
    """An imported subscription (`/v1/import/customers/{uuid}/subscriptions`)."""

    uuid = Field[str]()
    external_id = Field[str]()
    subscription_set_external_id = Field[str | None]()
    plan_uuid = Field[str | None]()
    customer_uuid = Field[str | None]()
    data_source_uuid = Field[str]()
    cancellation_dates = Field[list[datetime]](parse=_dates)


class CustomerSubscription(ApiObject):
    """A subscription as the metrics see it (`/v1/customers/{uuid}/subscriptions`)."""

    id = Field[int]()
    uuid = Field[str]()
    external_id = Field[str]()
    subscription_set_external_id = Field[str | None]()
    plan = Field[str]()
    quantity = Field[int]()
    mrr = Field[int]()
    arr = Field[int]()
    status = Field[str]()
    billing_cycle = Field[str]("billing-cycle")
    billing_cycle_count = Field[int]("billing-cycle-count")
    start_date = Field[datetime]("start-date", parse=parse_datetime)
    end_date = Field[datetime]("end-date", parse=parse_datetime)
    currency = Field[str]()
    currency_sign = Field[str]("currency-sign")


def _entries(values: list[dict[str, Any]]) -> list[MetricEntry]:
    return [MetricEntry(v) for v in values]


class MetricsReport(ApiObject):
    """A `/v1/metrics/*` response: the series, then its summary. `/metrics/all` sends `current-<metric>`,
    `previous-<metric>` and `<metric>-percentage-change` in its summary (`AllMetricsSummary`): read them by key."""

    entries = Field[list[MetricEntry]](parse=_entries)
    summary = Field[MetricSummary](parse=MetricSummary)
