"""Typed views over API JSON. Attributes are typed and snake_case; `obj["customer-since"]` reaches any JSON
field by its own name, and `obj.to_dict()` returns the JSON as received.

The objects declared in `mogul.objects` are their own typed views: they are re-exported here. A line item is a
`SubscriptionLineItem` or a `OneTimeLineItem` (both `LineItem`s), by its `type`."""

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
    CustomerSubscription,
    DataSource,
    DetailedError,
    ImportedInvoice,
    Invoice,
    InvoiceHandlingSetting,
    JsonImport,
    LegacyError,
    LineItem,
    LtvEntry,
    MetricEntry,
    MetricSummary,
    MrrChurnRateEntry,
    MrrEntry,
    Note,
    OneTimeLineItem,
    Opportunity,
    Plan,
    PlanGroup,
    ProcessingStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionLineItem,
    Task,
    Transaction,
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
    "ImportedInvoice",
    "Invoice",
    "InvoiceHandlingSetting",
    "JsonImport",
    "LegacyError",
    "LineItem",
    "LtvEntry",
    "MetricEntry",
    "MetricSummary",
    "MetricsReport",
    "MrrChurnRateEntry",
    "MrrEntry",
    "Note",
    "OneTimeLineItem",
    "Opportunity",
    "Plan",
    "PlanGroup",
    "ProcessingStatus",
    "Subscription",
    "SubscriptionEvent",
    "SubscriptionLineItem",
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


def _entries(values: list[dict[str, Any]]) -> list[MetricEntry]:
    return [MetricEntry(v) for v in values]


class MetricsReport(ApiObject):
    """A `/v1/metrics/*` response: the series, then its summary. `/metrics/all` sends `current-<metric>`,
    `previous-<metric>` and `<metric>-percentage-change` in its summary (`AllMetricsSummary`): read them by key."""

    entries = Field[list[MetricEntry]](parse=_entries)
    summary = Field[MetricSummary](parse=MetricSummary)
