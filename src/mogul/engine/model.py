"""The engine's input: plain frozen records mirroring the Import API objects the server stores.

Timestamps are UTC microseconds since the epoch (int); money is integer cents in the item's currency.
The engine never mutates these and never looks anything up elsewhere: data in, results out.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
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
# An invoice's payment state, weakest first (Invoice handling, §2.1).
InvoiceState = Literal["open", "partially_paid", "paid"]

INTERVAL_UNITS = ("day", "month", "year")
PRORATION_TYPES = ("differential", "full", "differential_mrr")
INVOICE_STATES = ("open", "partially_paid", "paid")

# Units of account currency per unit of `currency`. A float is read as its shortest decimal text (1.15 means
# exactly 115/100), so conversions round as the rate was written; Decimal, Fraction, int and str are exact.
Rate = float | int | Decimal | Fraction | str
# (currency, UTC date of the service period start) -> rate.
FxRates = Callable[[str, date], Rate] | Mapping[tuple[str, date], Rate]


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
    # Informational only: amounts are already net of discounts.
    discount_amount_in_cents: int = 0
    discount_code: str = ""
    # Has a successful payment transaction (see Settings.new_sub_requires_paid_invoice). Superseded by
    # `invoice_state` when that is given.
    paid: bool = True
    # Deducted from MRR only when the data source's transaction fee handling says so.
    transaction_fees_in_cents: int = 0
    # The payment state of the item's invoice; None reads `paid` ("paid" if True, else "open").
    invoice_state: InvoiceState | None = None
    # The invoice is fully refunded / voided or written off: dropped when the source's settings say so.
    refunded: bool = False
    voided: bool = False
    # When the item's unpaid invoice became past due (its first failed payment or its due date); None when
    # paid or not due. Drives the Past Due status and auto-churn.
    past_due_at: int | None = None
    # The item's invoice (its external id, unique per data source) and the line's index in it. Items of one
    # invoice that start a subscription at one instant add up; a later invoice for that instant replaces them
    # (docs/metrics.md §2). Both also order same-instant items, so results depend on the data alone. Items
    # without an invoice id count as one invoice.
    invoice_external_id: str | None = None
    position: int = 0

    def state_rank(self) -> int:
        """0 open, 1 partially paid, 2 paid (index in INVOICE_STATES)."""
        if self.invoice_state is None:
            return 2 if self.paid else 0
        return _STATE_RANK[self.invoice_state]


_STATE_RANK = {state: i for i, state in enumerate(INVOICE_STATES)}


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """One data source's settings (Invoice handling, past-due handling, transaction fees; §1.1, §2.1, §2.2).

    An entry in `Settings.data_sources` replaces the account-level defaults for that source entirely.
    """

    # New and reactivating subscriptions start when an invoice is at least this paid.
    create_subscription_when: InvoiceState = "paid"
    # An active subscription's MRR changes when an invoice is at least this paid ("issued" = open).
    update_subscription_when: InvoiceState = "open"
    # Drop fully refunded / voided or written-off invoices from MRR.
    exclude_refunded: bool = False
    exclude_voided: bool = False
    # Churn a subscription this many days after its paid-through date without renewal, or after its
    # latest invoice fell past due; None = never (Import API: active until cancelled).
    auto_churn_days: int | None = None
    deduct_transaction_fees: bool = False

    def __post_init__(self) -> None:
        for name in ("create_subscription_when", "update_subscription_when"):
            if getattr(self, name) not in INVOICE_STATES:
                raise EngineInputError(f"{name} must be one of {INVOICE_STATES}, got {getattr(self, name)!r}")
        _check_auto_churn_days(self.auto_churn_days)


def _check_auto_churn_days(days: int | None) -> None:
    if days is not None and (not isinstance(days, int) or not 1 <= days <= 90):
        raise EngineInputError(f"auto_churn_days must be None or an integer from 1 to 90, got {days!r}")


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
    # Subscriptions connected by hand (connect_subscriptions) share this key: linked like one set.
    connection_key: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    uuid: str
    external_id: str
    name: str
    data_source_uuid: str
    country: str | None = None  # ISO alpha-2, for the metrics `geo` filter


@dataclass(frozen=True, slots=True)
class Settings:
    """Account settings that change results. Defaults follow ChartMogul's (see docs/metrics.md)."""

    currency: str = "USD"
    time_zone: str = "UTC"
    week_start: WeekStart = "sunday"
    churn_recognition: ChurnRecognition = "at_cancellation"
    # "active": a paying customer moved to $0 stays Active (contraction); "churn": the move is churn.
    free_customer_handling: FreeCustomerHandling = "active"
    # Smart Activity Classification window, on by default ("Understanding MRR movements"); None disables it.
    smart_activity_window_minutes: int | None = 60
    # LTV = ARPA / six-month trailing churn rate ("Chart: Customer Lifetime Value"); "arpa_over_churn" is the
    # older page's ARPA / the period's churn rate.
    ltv_mode: LtvMode = "trailing_six"
    # Average days per month: MRR of a day-unit plan = amount × day_normalisation / interval_count.
    day_normalisation: float = 365.25 / 12
    new_sub_requires_paid_invoice: bool = True
    fx_rates: FxRates | None = field(default=None, compare=False)
    # Account-level defaults of the data-source settings (see `source()`); off by default, as in ChartMogul.
    auto_churn_days: int | None = None
    deduct_transaction_fees: bool = False
    # Per data source uuid; a source without an entry uses the account-level defaults above. Treat it as
    # immutable: results are cached per Settings object, so build a new Settings to change it.
    data_sources: Mapping[str, SourceSettings] = field(default_factory=dict, compare=False)

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
        _check_auto_churn_days(self.auto_churn_days)
        for uuid, source in self.data_sources.items():
            if not isinstance(source, SourceSettings):
                raise EngineInputError(f"data_sources[{uuid!r}] must be a SourceSettings")

    def source(self, data_source_uuid: str) -> SourceSettings:
        """The settings that apply to one data source's invoices."""
        found = self.data_sources.get(data_source_uuid)
        if found is not None:
            return found
        return SourceSettings(
            create_subscription_when="paid" if self.new_sub_requires_paid_invoice else "open",
            auto_churn_days=self.auto_churn_days,
            deduct_transaction_fees=self.deduct_transaction_fees,
        )


class FxTable:
    """Rate lookup to the account currency. A mapping answers with the latest rate on or before the date.

    `ratio()` gives the rate as an exact integer fraction (numerator, denominator), so that MRR conversion
    is integer arithmetic with one half-up rounding: a float product like 10 × 1.15 = 11.499999999999998
    would round a true half down.
    """

    __slots__ = ("_by_currency", "_cache", "_call", "account_currency")

    def __init__(self, account_currency: str, rates: FxRates | None) -> None:
        self.account_currency = account_currency
        self._call: Callable[[str, date], Rate] | None = None
        self._by_currency: dict[str, tuple[list[date], list[Rate]]] = {}
        self._cache: dict[tuple[str, int], tuple[int, int]] = {}
        if callable(rates):
            self._call = rates
        elif rates is not None:
            grouped: dict[str, list[tuple[date, Rate]]] = {}
            for (currency, day), rate in rates.items():
                grouped.setdefault(currency, []).append((day, rate))
            for currency, pairs in grouped.items():
                pairs.sort(key=lambda pair: pair[0])
                self._by_currency[currency] = ([d for d, _ in pairs], [r for _, r in pairs])

    def ratio(self, currency: str, at_us: int) -> tuple[int, int]:
        """The rate on the UTC date of `at_us` as (numerator, denominator), denominator > 0."""
        if currency == self.account_currency:
            return 1, 1
        key = (currency, at_us // DAY_US)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        day = utc_date(at_us)
        raw = self._lookup(currency, day)
        try:
            exact = Fraction(repr(raw)) if isinstance(raw, float) else Fraction(raw)
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise EngineInputError(f"FX rate for {currency} on {day} is not a number: {raw!r}") from exc
        if exact <= 0:
            raise EngineInputError(f"FX rate for {currency} on {day} must be positive, got {raw}")
        self._cache[key] = result = (exact.numerator, exact.denominator)
        return result

    def rate(self, currency: str, at_us: int) -> float:
        """The same rate as a float (for display and comparisons; conversion uses `ratio`)."""
        numerator, denominator = self.ratio(currency, at_us)
        return numerator / denominator

    def _lookup(self, currency: str, day: date) -> Rate:
        if self._call is not None:
            return self._call(currency, day)
        table = self._by_currency.get(currency)
        if table is not None:
            i = bisect.bisect_right(table[0], day) - 1
            if i >= 0:
                return table[1][i]
        raise EngineInputError(f"no FX rate from {currency} to {self.account_currency} on or before {day}")
