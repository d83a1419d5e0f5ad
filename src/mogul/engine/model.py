"""The engine's input: plain frozen records mirroring the Import API objects the server stores.

Timestamps are UTC microseconds since the epoch (int); money is integer cents in the item's currency.
The engine never mutates these and never looks anything up elsewhere: data in, results out.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mogul.engine.timeutil import DAY_US, utc_date

IntervalUnit = Literal["day", "month", "year"]
LineItemType = Literal["subscription", "one_time"]
ProrationType = Literal["differential", "full", "differential_mrr"]
ChurnRecognition = Literal["at_cancellation", "end_of_service_period"]
FreeCustomerHandling = Literal["active", "churn"]
LtvMode = Literal["arpa_over_churn", "trailing_six"]
WeekStart = Literal["sunday", "monday"]

INTERVAL_UNITS = ("day", "month", "year")
PRORATION_TYPES = ("differential", "full", "differential_mrr")

# (currency, UTC date of the service period start) -> units of account currency per unit of `currency`.
FxRates = Callable[[str, date], float] | Mapping[tuple[str, date], float]


class EngineInputError(ValueError):
    """The input cannot be turned into MRR (bad plan interval, unknown plan, empty prorated period...)."""


@dataclass(frozen=True, slots=True)
class Plan:
    uuid: str
    external_id: str
    name: str
    interval_count: int
    interval_unit: IntervalUnit

    def __post_init__(self) -> None:
        if self.interval_unit not in INTERVAL_UNITS:
            raise EngineInputError(
                f"plan {self.uuid}: interval_unit must be one of {INTERVAL_UNITS}, got {self.interval_unit!r}"
            )
        if not isinstance(self.interval_count, int) or self.interval_count < 1:
            raise EngineInputError(
                f"plan {self.uuid}: interval_count must be a positive integer, got {self.interval_count!r}"
            )


@dataclass(frozen=True, slots=True)
class LineItem:
    """One invoice line item. Only `type == "subscription"` items make MRR; one_time items are ignored."""

    uuid: str
    type: LineItemType
    subscription_uuid: str | None
    subscription_external_id: str | None
    plan_uuid: str | None
    service_period_start: int
    service_period_end: int
    amount_in_cents: int
    invoice_date: int
    currency: str
    subscription_set_external_id: str | None = None
    tax_amount_in_cents: int = 0
    quantity: int = 1
    prorated: bool = False
    proration_type: ProrationType | None = None  # None means "differential", the API default
    event_order: int | None = None
    cancelled_at: int | None = None
    # Informational only: amounts are already net of discounts (metrics-semantics §1.1).
    discount_amount_in_cents: int = 0
    discount_code: str = ""
    # Has a successful payment transaction (see Settings.new_sub_requires_paid_invoice).
    paid: bool = True


@dataclass(frozen=True, slots=True)
class Subscription:
    uuid: str
    external_id: str
    customer_uuid: str
    data_source_uuid: str
    plan_uuid: str | None = None
    set_external_id: str | None = None
    # Every cancellation ever recorded (PATCH cancelled_at appends, cancellation_dates replaces).
    cancellation_dates: tuple[int, ...] = ()
    # The server's integer id for the `/customers/{uuid}/subscriptions` view, when it has one.
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    uuid: str
    external_id: str
    name: str
    data_source_uuid: str
    country: str | None = None  # ISO alpha-2, for the metrics `geo` filter


@dataclass(frozen=True, slots=True)
class Settings:
    """Account settings that change results. Defaults follow metrics-semantics §2.6 (see docs/metrics.md)."""

    currency: str = "USD"
    time_zone: str = "UTC"
    week_start: WeekStart = "sunday"
    churn_recognition: ChurnRecognition = "at_cancellation"
    # "active": a paying customer moved to $0 stays Active (contraction); "churn": the move is churn.
    free_customer_handling: FreeCustomerHandling = "active"
    # Smart Activity Classification window; None disables it.
    smart_activity_window_minutes: int | None = None
    ltv_mode: LtvMode = "arpa_over_churn"
    # Average days per month: MRR of a day-unit plan = amount × day_normalisation / interval_count.
    day_normalisation: float = 365.25 / 12
    new_sub_requires_paid_invoice: bool = True
    fx_rates: FxRates | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.week_start not in ("sunday", "monday"):
            raise EngineInputError(f"week_start must be 'sunday' or 'monday', got {self.week_start!r}")
        if self.churn_recognition not in ("at_cancellation", "end_of_service_period"):
            raise EngineInputError(f"unknown churn_recognition {self.churn_recognition!r}")
        if self.free_customer_handling not in ("active", "churn"):
            raise EngineInputError(f"unknown free_customer_handling {self.free_customer_handling!r}")
        if self.ltv_mode not in ("arpa_over_churn", "trailing_six"):
            raise EngineInputError(f"unknown ltv_mode {self.ltv_mode!r}")
        if self.day_normalisation <= 0:
            raise EngineInputError("day_normalisation must be positive")
        if self.smart_activity_window_minutes is not None and self.smart_activity_window_minutes < 0:
            raise EngineInputError("smart_activity_window_minutes must be >= 0 or None")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise EngineInputError(f"unknown time_zone {self.time_zone!r}") from exc


class FxTable:
    """Rate lookup to the account currency. A mapping answers with the latest rate on or before the date."""

    __slots__ = ("_by_currency", "_cache", "_call", "account_currency")

    def __init__(self, account_currency: str, rates: FxRates | None) -> None:
        self.account_currency = account_currency
        self._call: Callable[[str, date], float] | None = None
        self._by_currency: dict[str, tuple[list[date], list[float]]] = {}
        self._cache: dict[tuple[str, int], float] = {}
        if callable(rates):
            self._call = rates
        elif rates is not None:
            grouped: dict[str, list[tuple[date, float]]] = {}
            for (currency, day), rate in rates.items():
                grouped.setdefault(currency, []).append((day, rate))
            for currency, pairs in grouped.items():
                pairs.sort()
                self._by_currency[currency] = ([d for d, _ in pairs], [r for _, r in pairs])

    def rate(self, currency: str, at_us: int) -> float:
        if currency == self.account_currency:
            return 1.0
        key = (currency, at_us // DAY_US)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        day = utc_date(at_us)
        rate = self._lookup(currency, day)
        if rate <= 0:
            raise EngineInputError(f"FX rate for {currency} on {day} must be positive, got {rate}")
        self._cache[key] = rate
        return rate

    def _lookup(self, currency: str, day: date) -> float:
        if self._call is not None:
            return float(self._call(currency, day))
        table = self._by_currency.get(currency)
        if table is not None:
            i = bisect.bisect_right(table[0], day) - 1
            if i >= 0:
                return table[1][i]
        raise EngineInputError(f"no FX rate from {currency} to {self.account_currency} on or before {day}")
