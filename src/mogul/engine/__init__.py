"""mogul's metrics engine: imported billing data in, MRR / activities / Metrics API numbers out.

Pure: no HTTP, no SQL, no clock. Rules and defaults are in docs/metrics.md.

Typical use by the server::

    from mogul.engine import (Customer, LineItem, MetricsAggregate, Plan, Settings, Subscription,
                              compute_customer, metrics_response)

    settings = Settings(currency="USD", time_zone="UTC")
    result = compute_customer(customer, subscriptions, line_items, plans_by_uuid, settings)
    result.activities          # Activity records (the server writes each as a /v1/activities entry)
    result.subscriptions       # /v1/customers/{uuid}/subscriptions entries' values (the server renders each)
    result.status, result.mrr, result.customer_since_iso

    all_results = compute_customers(((c, subs, items), ...), plans_by_uuid, settings)  # full recompute
    agg = MetricsAggregate.from_results(all_results, settings.time_zone, settings.week_start)
    agg.set(recomputed_result)  # incremental: replaces one customer's contribution
    metrics_response(agg, "mrr", date(2024, 1, 1), date(2024, 12, 31), "month")

Inputs are frozen dataclasses (`model.py`); timestamps are UTC microseconds, money integer cents.
Bad input raises `EngineInputError` (a ValueError).
"""

from mogul.engine.aggregate import MetricsAggregate
from mogul.engine.customer import CustomerResult, compute_customer, compute_customers
from mogul.engine.metrics import METRICS, PeriodValues, metrics_response, period_series
from mogul.engine.model import (
    INVOICE_STATES,
    Customer,
    EngineInputError,
    LineItem,
    Plan,
    Settings,
    SourceSettings,
    Subscription,
)
from mogul.engine.movements import ACTIVITY_TYPES, Activity

__all__ = [
    "ACTIVITY_TYPES",
    "INVOICE_STATES",
    "METRICS",
    "Activity",
    "Customer",
    "CustomerResult",
    "EngineInputError",
    "LineItem",
    "MetricsAggregate",
    "PeriodValues",
    "Plan",
    "Settings",
    "SourceSettings",
    "Subscription",
    "compute_customer",
    "compute_customers",
    "metrics_response",
    "period_series",
]
