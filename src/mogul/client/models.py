"""Typed views over API JSON. Attributes are typed and snake_case; `obj["customer-since"]` reaches any JSON
field by its own name, and `obj.to_dict()` returns the JSON as received.

The objects declared in `mogul.objects` are their own typed views: they are re-exported here. A line item is a
`SubscriptionLineItem` or a `OneTimeLineItem` (both `LineItem`s), by its `type`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Generic, TypeVar, overload

from ..objects import (
    Account,
    ActivitiesExport,
    ApiObject,
    AutoChurnSetting,
    Contact,
    CustomerNote,
    CustomerSubscription,
    DataSource,
    ImportedInvoice,
    Invoice,
    InvoiceHandlingSetting,
    LineItem,
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
)

__all__ = [
    "Account",
    "ActivitiesExport",
    "Activity",
    "Address",
    "ApiObject",
    "AutoChurnSetting",
    "Contact",
    "Customer",
    "CustomerActivity",
    "CustomerNote",
    "CustomerSubscription",
    "DataSource",
    "ImportedInvoice",
    "Invoice",
    "InvoiceHandlingSetting",
    "LineItem",
    "MetricEntry",
    "MetricSummary",
    "MetricsReport",
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


class Address(ApiObject):
    country = Field[str | None]()
    state = Field[str | None]()
    city = Field[str | None]()
    zip = Field[str | None]("address_zip")


class Customer(ApiObject):
    """A customer as `/v1/customers` returns it; kebab-case JSON keys map to snake_case attributes."""

    id = Field[int]()
    uuid = Field[str]()
    external_id = Field[str]()
    external_ids = Field[list[str]]()
    data_source_uuid = Field[str]()
    data_source_uuids = Field[list[str]]()
    name = Field[str]()
    email = Field[str]()
    company = Field[str]()
    status = Field[str]()
    customer_since = Field[datetime]("customer-since", parse=parse_datetime)
    country = Field[str | None]()
    state = Field[str | None]()
    city = Field[str | None]()
    zip = Field[str | None]()
    address = Field[Address](parse=Address)
    lead_created_at = Field[datetime](parse=parse_datetime)
    free_trial_started_at = Field[datetime](parse=parse_datetime)
    mrr = Field[int]()
    arr = Field[int]()
    currency = Field[str]()
    currency_sign = Field[str]("currency-sign")
    billing_system_type = Field[str]("billing-system-type")
    billing_system_url = Field[str | None]("billing-system-url")
    chartmogul_url = Field[str]("chartmogul-url")
    owner = Field[str | None]()
    website_url = Field[str | None]()
    attributes = Field[dict[str, Any]]()

    @property
    def tags(self) -> list[str]:
        return list((self._data.get("attributes") or {}).get("tags") or [])

    @property
    def custom(self) -> dict[str, Any]:
        return dict((self._data.get("attributes") or {}).get("custom") or {})


class Activity(ApiObject):
    """An MRR movement as `/v1/activities` lists it; kebab-case JSON keys map to snake_case attributes."""

    uuid = Field[str]()
    date = Field[datetime](parse=parse_datetime)
    type = Field[str]()
    description = Field[str]()
    activity_mrr = Field[int]("activity-mrr")
    activity_mrr_movement = Field[int]("activity-mrr-movement")
    activity_arr = Field[int]("activity-arr")
    currency = Field[str]()
    subscription_external_id = Field[str | None]("subscription-external-id")
    subscription_set_external_id = Field[str | None]("subscription-set-external-id")
    plan_external_id = Field[str | None]("plan-external-id")
    customer_name = Field[str]("customer-name")
    customer_uuid = Field[str]("customer-uuid")
    customer_external_id = Field[str]("customer-external-id")
    billing_connector_uuid = Field[str]("billing-connector-uuid")


class CustomerActivity(ApiObject):
    """An MRR movement of one customer (`/v1/customers/{uuid}/activities`): an integer `id`, no customer keys."""

    id = Field[int]()
    date = Field[datetime](parse=parse_datetime)
    type = Field[str]()
    description = Field[str]()
    activity_mrr = Field[int]("activity-mrr")
    activity_mrr_movement = Field[int]("activity-mrr-movement")
    activity_arr = Field[int]("activity-arr")
    currency = Field[str]()
    currency_sign = Field[str]("currency-sign")
    subscription_external_id = Field[str | None]("subscription-external-id")


class MetricEntry(ApiObject):
    """One period of a metrics series, dated at the period's last day. Each endpoint fills its own keys: `mrr`
    and its movements for `/metrics/mrr`, `customers` for `/metrics/customer-count`, every metric and its
    `<metric>-percentage-change` for `/metrics/all`; the others are None."""

    date = Field[date](parse=date.fromisoformat)
    percentage_change = Field[float]("percentage-change")
    mrr = Field[int]()
    mrr_new_business = Field[int]("mrr-new-business")
    mrr_expansion = Field[int]("mrr-expansion")
    mrr_contraction = Field[int]("mrr-contraction")
    mrr_churn = Field[int]("mrr-churn")
    mrr_reactivation = Field[int]("mrr-reactivation")
    arr = Field[int]()
    arpa = Field[int]()
    asp = Field[int]()
    customers = Field[int]()
    customer_churn_rate = Field[float]("customer-churn-rate")
    mrr_churn_rate = Field[float]("mrr-churn-rate")
    ltv = Field[float]()


class MetricSummary(ApiObject):
    """`current`, `previous` and `percentage-change` of a single metric. `/metrics/all` sends
    `current-<metric>`, `previous-<metric>` and `<metric>-percentage-change` instead: read them by key."""

    current = Field[float]()
    previous = Field[float]()
    percentage_change = Field[float]("percentage-change")


def _entries(values: list[dict[str, Any]]) -> list[MetricEntry]:
    return [MetricEntry(v) for v in values]


class MetricsReport(ApiObject):
    """A `/v1/metrics/*` response: the series, then its summary."""

    entries = Field[list[MetricEntry]](parse=_entries)
    summary = Field[MetricSummary](parse=MetricSummary)
