"""Metric series from a `MetricsAggregate`, in the Metrics API's JSON shapes.

Entries are dated at the last day of each period in the account time zone. Stock metrics (MRR, ARR,
customers, ARPA) are the state after every event of the period; flows are sums over the period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from mogul.engine.aggregate import COUNT, NEW, MetricsAggregate
from mogul.engine.movements import CHURN, CONTRACTION, EXPANSION, FLOW_KEYS, FX, REACTIVATION
from mogul.engine.mrr import div_round
from mogul.engine.timeutil import INTERVALS

METRICS = (
    "all",
    "mrr",
    "arr",
    "arpa",
    "asp",
    "customer-count",
    "customer-churn-rate",
    "mrr-churn-rate",
    "ltv",
)
LTV_MODES = ("arpa_over_churn", "trailing_six")
TRAILING = 6
# `/metrics/all` order and names; "customers" is also the entry key of `/metrics/customer-count`.
ALL_KEYS = ("mrr", "arr", "customer-churn-rate", "mrr-churn-rate", "ltv", "customers", "asp", "arpa")


@dataclass(frozen=True, slots=True)
class PeriodValues:
    """Every metric for one period [start, next_start) of local day ordinals."""

    start: int
    next_start: int
    mrr: int
    customers: int
    flows: tuple[int, int, int, int, int]  # new_biz, expansion, contraction, churn, reactivation
    fx: int  # MRR change from exchange rates alone (no activity)
    mrr_at_start: int
    customers_at_start: int
    new_customers: int
    churned_customers: int
    arpa: int
    asp: int
    customer_churn_rate: float
    mrr_churn_rate: float
    ltv: int

    @property
    def date(self) -> str:
        return date.fromordinal(self.next_start - 1).isoformat()

    @property
    def arr(self) -> int:
        return 12 * self.mrr

    def value(self, key: str) -> int | float:
        return {
            "mrr": self.mrr,
            "arr": self.arr,
            "customers": self.customers,
            "arpa": self.arpa,
            "asp": self.asp,
            "customer-churn-rate": self.customer_churn_rate,
            "mrr-churn-rate": self.mrr_churn_rate,
            "ltv": self.ltv,
        }[key]


def _exact(value: float | Fraction) -> Fraction:
    # A float here is an API value with 2 decimals (a rate): read it as written, 20.825 not 20.824999...
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def percent(numerator: float | Fraction, denominator: float | Fraction) -> float:
    """round(numerator / denominator × 100, 2), halves away from zero, exactly; 0.0 when denominator is 0.

    Python's round(x, 2) on the float quotient would round true halves either way (-20.825 → -20.82).
    """
    if not denominator:
        return 0.0
    if isinstance(numerator, int) and isinstance(denominator, int):
        if denominator < 0:
            numerator, denominator = -numerator, -denominator
        return div_round(numerator * 10_000, denominator) / 100
    quotient = _exact(numerator) / _exact(denominator)
    return div_round(quotient.numerator * 10_000, quotient.denominator) / 100


def _hundredths(value: float) -> int | None:
    """A 2-decimal float (a rate) as an exact integer number of hundredths, else None."""
    scaled = round(value * 100)
    return scaled if scaled / 100 == value else None


def percentage_change(current: float, previous: float) -> float:
    """round((current − previous) / previous × 100, 2); 0.0 when previous is 0 (docs/metrics.md)."""
    if previous == 0:
        return 0.0
    if isinstance(current, int) and isinstance(previous, int):
        return percent(current - previous, previous)
    # Rates have 2 decimals: in hundredths the ratio is an integer one (much cheaper than Fractions).
    c, p = _hundredths(current), _hundredths(previous)
    if c is not None and p is not None:
        return percent(c - p, p)
    return percent(_exact(current) - _exact(previous), _exact(previous))


def _rate(numerator: int, denominator: int) -> float:
    return percent(numerator, denominator)


def _ltv(arpa: int, churn_rate: float | Fraction) -> int:
    """round(arpa / (churn_rate / 100)), exactly; 0 without churn."""
    if churn_rate <= 0:
        return 0
    hundredths = _hundredths(churn_rate) if isinstance(churn_rate, float) else None
    if hundredths is not None:  # arpa / (h / 10000)
        return div_round(arpa * 10_000, hundredths)
    rate = _exact(churn_rate)
    return div_round(arpa * 100 * rate.denominator, rate.numerator)


def _trailing_ltv(arpa: int, rates: list[float]) -> int:
    """round(arpa / (mean(rates) / 100)), exactly; 0 when the mean is 0. Rates have 2 decimals, so in
    hundredths the mean is an integer fraction: arpa × 10000 × n / Σ hundredths."""
    hundredths = [_hundredths(rate) for rate in rates]
    if None in hundredths:
        return _ltv(arpa, sum(map(_exact, rates)) / len(rates))
    total = sum(hundredths)  # type: ignore[arg-type]
    return div_round(arpa * 10_000 * len(rates), total) if total > 0 else 0


def period_series(
    agg: MetricsAggregate, first_start: int, count: int, interval: str, ltv_mode: str = "trailing_six"
) -> list[PeriodValues]:
    """`count` consecutive periods from the one starting at `first_start` (a period start day)."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
    if ltv_mode not in LTV_MODES:
        raise ValueError(f"ltv_mode must be one of {LTV_MODES}, got {ltv_mode!r}")
    cal = agg.calendar
    prefix = agg.prefix()
    # Look back TRAILING periods so the first entries' trailing churn average is complete.
    starts = [first_start]
    for _ in range(TRAILING):
        starts.insert(0, cal.prev_start(starts[0], interval))
    while len(starts) < count + TRAILING:
        starts.append(cal.next_start(starts[-1], interval))
    values: list[PeriodValues] = []
    before = prefix.upto(starts[0])
    for start in starts:
        next_start = cal.next_start(start, interval)
        after = prefix.upto(next_start)
        flows = tuple(after[k] - before[k] for k in range(5))
        mrr_start, mrr_end = sum(before[: FX + 1]), sum(after[: FX + 1])
        customers_start, customers = before[COUNT], after[COUNT]
        new_customers = after[NEW] - before[NEW]
        churned = agg.churned(interval, start)
        arpa = div_round(mrr_end, customers) if customers else 0
        churn_rate = _rate(churned, customers_start)
        net_mrr_churn = -(flows[CHURN] + flows[CONTRACTION] + flows[EXPANSION] + flows[REACTIVATION])
        if ltv_mode == "arpa_over_churn":
            ltv = _ltv(arpa, churn_rate)
        else:
            trailing = [v.customer_churn_rate for v in values[-TRAILING:] if v.customers_at_start]
            ltv = _trailing_ltv(arpa, trailing) if trailing else 0
        values.append(
            PeriodValues(
                start=start,
                next_start=next_start,
                mrr=mrr_end,
                customers=customers,
                flows=flows,  # type: ignore[arg-type]
                fx=after[FX] - before[FX],
                mrr_at_start=mrr_start,
                customers_at_start=customers_start,
                new_customers=new_customers,
                churned_customers=churned,
                arpa=arpa,
                asp=div_round(flows[0], new_customers) if new_customers else 0,
                customer_churn_rate=churn_rate,
                mrr_churn_rate=_rate(net_mrr_churn, mrr_start),
                ltv=ltv,
            )
        )
        before = after
    return values[TRAILING:]


_Builder = Callable[[PeriodValues, PeriodValues | None], dict[str, Any]]


def _entry_builders() -> dict[str, _Builder]:
    def single(key: str, name: str | None = None) -> _Builder:
        def build(v: PeriodValues, prev: PeriodValues | None) -> dict[str, Any]:
            value = v.value(key)
            pct = percentage_change(value, prev.value(key)) if prev is not None else 0.0
            return {"date": v.date, name or key: value, "percentage-change": pct}

        return build

    def mrr(v: PeriodValues, prev: PeriodValues | None) -> dict[str, Any]:
        entry = single("mrr")(v, prev)
        entry.update(zip(FLOW_KEYS, v.flows, strict=True))
        return entry

    def all_(v: PeriodValues, prev: PeriodValues | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"date": v.date}
        for key in ALL_KEYS:
            entry[key] = v.value(key)
            pct = percentage_change(v.value(key), prev.value(key)) if prev else 0.0
            entry[f"{key}-percentage-change"] = pct
        return entry

    singles = ("arr", "arpa", "asp", "customer-churn-rate", "mrr-churn-rate", "ltv")
    builders = {key: single(key) for key in singles}
    builders["customer-count"] = single("customers")
    builders["mrr"] = mrr
    builders["all"] = all_
    return builders


_BUILDERS = _entry_builders()


def metrics_response(
    agg: MetricsAggregate,
    metric: str,
    start_date: date,
    end_date: date,
    interval: str = "month",
    ltv_mode: str = "trailing_six",
    as_of: date | None = None,
) -> dict[str, Any]:
    """The JSON body of `GET /v1/metrics/{metric}`: `{"entries": [...], "summary": {...}}`.

    Summary: `current` is the period containing `as_of` (default `end_date`), `previous` the period before.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
    if end_date < start_date:
        raise ValueError("end-date must not be before start-date")
    cal = agg.calendar
    first = cal.period_start(start_date.toordinal(), interval)
    last = cal.period_start(end_date.toordinal(), interval)
    count = 1
    cursor = first
    while cursor < last:
        cursor = cal.next_start(cursor, interval)
        count += 1
    values = period_series(agg, first, count, interval, ltv_mode)
    build = _BUILDERS[metric]
    entries = [build(v, values[i - 1] if i else None) for i, v in enumerate(values)]

    current_start = cal.period_start((as_of or end_date).toordinal(), interval)
    previous, current = period_series(agg, cal.prev_start(current_start, interval), 2, interval, ltv_mode)
    return {"entries": entries, "summary": _summary(metric, current, previous)}


def _summary(metric: str, current: PeriodValues, previous: PeriodValues) -> dict[str, Any]:
    if metric == "all":
        out: dict[str, Any] = {}
        for key in ALL_KEYS:
            out[f"current-{key}"] = current.value(key)
            out[f"previous-{key}"] = previous.value(key)
            out[f"{key}-percentage-change"] = percentage_change(current.value(key), previous.value(key))
        return out
    key = "customers" if metric == "customer-count" else metric
    return {
        "current": current.value(key),
        "previous": previous.value(key),
        "percentage-change": percentage_change(current.value(key), previous.value(key)),
    }
