"""Metric entries and summaries: each `/metrics/*` endpoint answers `{"entries": [...],
"summary": {...}}`, entries dated at their period's last day. Amounts are cents, rates and changes percentages."""

from __future__ import annotations

from datetime import date

from .base import ApiObject, Format, field

PCT = "percentage-change"


def _day() -> date:
    return field(fmt=Format.DATE, doc="The period's last day.")  # type: ignore[no-any-return]


def _pct() -> float:
    return field(PCT, doc="Change from the entry before, in percent; 0.0 for the first.")  # type: ignore[no-any-return]


class MrrEntry(ApiObject):
    date: date = _day()
    mrr: int = field()
    percentage_change: float = _pct()
    mrr_new_business: int = field("mrr-new-business")
    mrr_expansion: int = field("mrr-expansion")
    mrr_contraction: int = field("mrr-contraction", doc="Negative or zero.")
    mrr_churn: int = field("mrr-churn", doc="Negative or zero.")
    mrr_reactivation: int = field("mrr-reactivation")


class ArrEntry(ApiObject):
    date: date = _day()
    arr: int = field()
    percentage_change: float = _pct()


class ArpaEntry(ApiObject):
    date: date = _day()
    arpa: int = field()
    percentage_change: float = _pct()


class AspEntry(ApiObject):
    date: date = _day()
    asp: int = field()
    percentage_change: float = _pct()


class CustomerCountEntry(ApiObject):
    date: date = _day()
    customers: int = field()
    percentage_change: float = _pct()


class CustomerChurnRateEntry(ApiObject):
    date: date = _day()
    customer_churn_rate: float = field("customer-churn-rate")
    percentage_change: float = _pct()


class MrrChurnRateEntry(ApiObject):
    date: date = _day()
    mrr_churn_rate: float = field("mrr-churn-rate", doc="May be negative (net expansion).")
    percentage_change: float = _pct()


class LtvEntry(ApiObject):
    date: date = _day()
    ltv: int = field()
    percentage_change: float = _pct()


class AllMetricsEntry(ApiObject):
    """`/metrics/all`: every metric and its change."""

    date: date = _day()
    mrr: int = field()
    mrr_percentage_change: float = field("mrr-percentage-change")
    arr: int = field()
    arr_percentage_change: float = field("arr-percentage-change")
    customer_churn_rate: float = field("customer-churn-rate")
    customer_churn_rate_percentage_change: float = field("customer-churn-rate-percentage-change")
    mrr_churn_rate: float = field("mrr-churn-rate")
    mrr_churn_rate_percentage_change: float = field("mrr-churn-rate-percentage-change")
    ltv: int = field()
    ltv_percentage_change: float = field("ltv-percentage-change")
    customers: int = field()
    customers_percentage_change: float = field("customers-percentage-change")
    asp: int = field()
    asp_percentage_change: float = field("asp-percentage-change")
    arpa: int = field()
    arpa_percentage_change: float = field("arpa-percentage-change")


class MetricSummary(ApiObject):
    """One metric's summary: the period holding the end date (or today), the one before, and the change."""

    current: float = field()
    previous: float = field()
    percentage_change: float = _pct()


class AllMetricsSummary(ApiObject):
    """`/metrics/all`'s summary: `current-X`, `previous-X` and `X-percentage-change` for every metric."""

    current_mrr: float = field("current-mrr")
    previous_mrr: float = field("previous-mrr")
    mrr_percentage_change: float = field("mrr-percentage-change")
    current_arr: float = field("current-arr")
    previous_arr: float = field("previous-arr")
    arr_percentage_change: float = field("arr-percentage-change")
    current_customer_churn_rate: float = field("current-customer-churn-rate")
    previous_customer_churn_rate: float = field("previous-customer-churn-rate")
    customer_churn_rate_percentage_change: float = field("customer-churn-rate-percentage-change")
    current_mrr_churn_rate: float = field("current-mrr-churn-rate")
    previous_mrr_churn_rate: float = field("previous-mrr-churn-rate")
    mrr_churn_rate_percentage_change: float = field("mrr-churn-rate-percentage-change")
    current_ltv: float = field("current-ltv")
    previous_ltv: float = field("previous-ltv")
    ltv_percentage_change: float = field("ltv-percentage-change")
    current_customers: float = field("current-customers")
    previous_customers: float = field("previous-customers")
    customers_percentage_change: float = field("customers-percentage-change")
    current_asp: float = field("current-asp")
    previous_asp: float = field("previous-asp")
    asp_percentage_change: float = field("asp-percentage-change")
    current_arpa: float = field("current-arpa")
    previous_arpa: float = field("previous-arpa")
    arpa_percentage_change: float = field("arpa-percentage-change")


class MetricEntry(
    AllMetricsEntry,
    MrrEntry,
    ArrEntry,
    ArpaEntry,
    AspEntry,
    CustomerCountEntry,
    CustomerChurnRateEntry,
    MrrChurnRateEntry,
    LtvEntry,
):
    """Any endpoint's entry, for a reader that takes them all (the client's `MetricsReport`): the fields of every
    entry above, each read as None where the endpoint does not send it."""


# The entry each endpoint answers, by metric name (`/metrics/{metric}`).
ENTRIES: dict[str, type[ApiObject]] = {
    "all": AllMetricsEntry,
    "mrr": MrrEntry,
    "arr": ArrEntry,
    "arpa": ArpaEntry,
    "asp": AspEntry,
    "customer-count": CustomerCountEntry,
    "customer-churn-rate": CustomerChurnRateEntry,
    "mrr-churn-rate": MrrChurnRateEntry,
    "ltv": LtvEntry,
}
