"""`/v1/metrics/*`: each metric's series over a date range, at an interval, and its summary."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Protocol, overload

from ..models import MetricsReport
from ..requester import Requester

INTERVALS = ("day", "week", "month", "quarter", "year")


class MetricCall(Protocol):
    def __call__(
        self,
        start_date: date | str,
        end_date: date | str,
        *,
        interval: str | None = None,
        geo: Sequence[str] | str | None = None,
        plans: Sequence[str] | str | None = None,
        filters: str | None = None,
    ) -> MetricsReport: ...


class _Metric:
    """A method of `Metrics` for one endpoint: `report` with the metric filled in."""

    def __init__(self, metric: str, doc: str) -> None:
        self.metric = metric
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: type) -> _Metric: ...
    @overload
    def __get__(self, obj: Metrics, owner: type) -> MetricCall: ...
    def __get__(self, obj: Metrics | None, owner: type) -> _Metric | MetricCall:
        if obj is None:
            return self
        return functools.partial(obj.report, self.metric)


class Metrics:
    """One method per endpoint, each taking the first and last day (inclusive), `interval` (one of `INTERVALS`;
    the API's default is `day`), `geo` (ISO country codes), `plans` (names, uuids or external ids) and
    `filters` (a filter expression, where the server supports one).

    >>> report = client.metrics.mrr("2024-01-01", "2024-12-31", interval="month")
    >>> [(entry.date, entry.mrr) for entry in report.entries]
    """

    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def report(
        self,
        metric: str,
        start_date: date | str,
        end_date: date | str,
        *,
        interval: str | None = None,
        geo: Sequence[str] | str | None = None,
        plans: Sequence[str] | str | None = None,
        filters: str | None = None,
    ) -> MetricsReport:
        """Any metric by its path segment (`mrr`, `customer-count`, ...)."""
        if not metric or "/" in metric:
            raise ValueError(f"not a metric: {metric!r}")
        params = {
            "start-date": start_date.isoformat() if isinstance(start_date, date) else start_date,
            "end-date": end_date.isoformat() if isinstance(end_date, date) else end_date,
            "interval": interval,
            "geo": geo,
            "plans": plans,
            "filters": filters,
        }
        return MetricsReport(self._t.request("GET", f"/v1/metrics/{metric}", params=params))

    all = _Metric(
        "all", "Every key metric per period; the summary's keys are `current-<metric>`, `previous-<metric>`, ..."
    )
    mrr = _Metric("mrr", "MRR, and its movements: new business, expansion, contraction, churn, reactivation.")
    arr = _Metric("arr", "Annualised run rate: 12 x MRR.")
    arpa = _Metric("arpa", "Average revenue per account: MRR over the paying customers.")
    asp = _Metric("asp", "Average sale price of the new subscriptions of each period.")
    customer_count = _Metric("customer-count", "Paying customers at each period's end.")
    customer_churn_rate = _Metric("customer-churn-rate", "Customers lost in each period, as a percentage.")
    mrr_churn_rate = _Metric("mrr-churn-rate", "Net MRR churn of each period, as a percentage.")
    ltv = _Metric("ltv", "Customer lifetime value.")
