"""One customer's billing history: a main subscription (plus an optional add-on in the same set) lived period by
period, with seat changes, plan changes, discounts, taxes, failed payments, cancellations and reactivations.

Output is Import API JSON, except that subscription line items name their plan by `plan_external_id`: plan
uuids exist only once the server has created the plans, so the importer swaps them in (`payloads.resolve`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .catalog import (
    CYCLE_FACTOR,
    CYCLES,
    MONTHLY_PRICE,
    PRICE_RISE,
    SETUP_FEE,
    SIGNUP_DISCOUNTS,
    TIERS,
    WINBACK_DISCOUNT,
    Discount,
    Plan,
    plan_for,
)
from .timeutil import add_months, wire

# Monthly hazards; a period of n months applies 1 - (1 - h)^n. Churn itself is a knob (`GeneratorConfig.churn`).
UPGRADE = 0.012
DOWNGRADE = 0.006
TO_ANNUAL = 0.012
SEATS_UP_MIDPERIOD = 0.05  # billed at once with a prorated invoice
SEATS_UP_AT_RENEWAL = 0.02
SEATS_DOWN_AT_RENEWAL = 0.02  # never credited: takes effect at the next renewal, as most billing systems do
ADDON_ATTACH = 0.03
ADDON_DROP = 0.015
CHURN_TIER_FACTOR = {"starter": 1.3, "pro": 1.0, "business": 0.6}
ANNUAL_CHURN_FACTOR = 0.5  # annual buyers churn less, and only ever at a renewal
IMMEDIATE_CANCEL = 0.3  # share of cancellations that stop mid-period rather than at its end
REFUND_ON_IMMEDIATE = 0.5
PAYMENT_FAILS = 0.06
FAILED_FOR_GOOD = 0.2  # of failed first attempts: every retry fails and the subscription is cancelled
DELINQUENT_CANCEL_DAYS = 14
REACTIVATE = 0.18
MAX_REACTIVATIONS = 2
WINBACK_OFFER = 0.4


def per_period(monthly_hazard: float, months: int) -> float:
    return 1.0 - (1.0 - monthly_hazard) ** months


@dataclass
class Terms:
    """What the subscription bills at each renewal; mutated by upgrades, downgrades and seat changes."""

    tier: str
    cycle: str
    seats: int
    addon: bool = False
    discount: Discount | None = None
    discount_until: datetime | None = None

    @property
    def plan(self) -> Plan:
        return plan_for(self.tier, self.cycle)

    @property
    def addon_plan(self) -> Plan:
        return plan_for("addon", self.cycle)

    @property
    def addon_allowed(self) -> bool:
        return self.tier != "starter" and self.cycle != "quarterly"


@dataclass
class Draft:
    """An invoice before numbering: invoices are sorted by date, then given their external ids."""

    date: datetime
    items: list[dict[str, Any]]
    transactions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class History:
    invoices: list[dict[str, Any]]
    cancellations: list[dict[str, Any]]


class CustomerLife:
    """Simulates one customer from its first bill to the end of the history (or its final cancellation)."""

    def __init__(
        self,
        rng: random.Random,
        *,
        number: int,
        customer_external_id: str,
        currency: str,
        tax_percent: float,
        history_end: datetime,
        price_rise_at: datetime,
        churn: float,
    ) -> None:
        self.rng = rng
        self.number = number
        self.customer_external_id = customer_external_id
        self.currency = currency
        self.tax_percent = tax_percent
        self.end = history_end
        self.price_rise_at = price_rise_at
        self.churn = churn
        self.main_id = f"sub_{number:06d}"
        self.addon_id = f"sub_{number:06d}_addon"
        self.set_id: str | None = None
        self.drafts: list[Draft] = []
        self.billed_until: datetime | None = None  # end of the latest period invoiced
        self.cancellations: list[tuple[datetime, str]] = []

    # -- the whole life ---------------------------------------------------------------------------------------

    def run(self, first_bill: datetime) -> History:
        rng = self.rng
        tier = rng.choices(TIERS, weights=(55, 35, 10))[0]
        cycle = rng.choices(CYCLES[tier], weights=(70, 12, 18) if tier == "pro" else (75, 25))[0]
        terms = Terms(tier, cycle, self._initial_seats(tier))
        if terms.addon_allowed and rng.random() < 0.3:
            self.set_id = f"set_{self.number:06d}"  # customers who buy the add-on bill it in one set with the main
            terms.addon = rng.random() < 0.5
        offer = rng.choices((None, *SIGNUP_DISCOUNTS), weights=(78, 15, 7))[0]
        if offer is not None and not (offer.code == "STARTUP50" and tier == "business"):
            terms.discount, terms.discount_until = offer, add_months(first_bill, offer.months)
        setup = tier in SETUP_FEE and (tier == "business" or rng.random() < 0.2)

        anchor = first_bill
        for stint in range(MAX_REACTIVATIONS + 1):
            cancelled = self._stint(anchor, terms, setup_fee=setup and stint == 0)
            if cancelled is None or rng.random() >= REACTIVATE:
                break
            back = self._reactivation(cancelled, terms)
            if back is None:
                break
            anchor = back
        return self._render()

    def _initial_seats(self, tier: str) -> int:
        low, high = {"starter": (1, 3), "pro": (2, 15), "business": (8, 60)}[tier]
        # Skewed towards small teams: the log of the seat count is uniform.
        return max(low, min(high, round(math.exp(self.rng.uniform(math.log(low), math.log(high))))))

    def _reactivation(self, cancelled: datetime, terms: Terms) -> datetime | None:
        """The customer comes back 1-9 months later, on the same subscription, without the add-on.

        Never inside a period already invoiced (an unpaid annual invoice covers a year): periods of one
        subscription do not overlap.
        """
        rng = self.rng
        after = max(cancelled, self.billed_until or cancelled)
        back = after + timedelta(days=rng.randint(30, 270), hours=rng.randint(0, 10))
        if back >= self.end:
            return None
        if rng.random() < 0.3:
            terms.tier = rng.choices(TIERS, weights=(50, 40, 10))[0]
        terms.cycle = "monthly"
        terms.addon = False
        terms.seats = max(1, terms.seats - rng.randint(0, terms.seats // 3))
        terms.discount = WINBACK_DISCOUNT if rng.random() < WINBACK_OFFER else None
        terms.discount_until = add_months(back, WINBACK_DISCOUNT.months) if terms.discount else None
        return back

    # -- one continuous run of the subscription ---------------------------------------------------------------

    def _stint(self, anchor: datetime, terms: Terms, *, setup_fee: bool) -> datetime | None:
        """Bill period after period from `anchor`; return the cancellation time, or None if active at the end."""
        rng = self.rng
        elapsed = 0  # months since the anchor: periods are anchor-relative so month-end clamps do not drift
        addon_live = False
        while True:
            months = terms.plan.months
            start, stop = add_months(anchor, elapsed), add_months(anchor, elapsed + months)
            if start >= self.end:
                return None
            addon_live = terms.addon
            self.billed_until = stop
            draft = Draft(start, [self._main_item(terms, start, stop)])
            if addon_live:
                draft.items.append(self._addon_item(terms, start, stop))
            if setup_fee and elapsed == 0:
                draft.items.append(self._setup_item(terms.tier))
            self.drafts.append(draft)
            if not self._pay(draft):
                cancelled = start + timedelta(days=DELINQUENT_CANCEL_DAYS)
                self._cancel(cancelled, addon_live)
                return cancelled

            hazard = self.churn * CHURN_TIER_FACTOR[terms.tier] * (ANNUAL_CHURN_FACTOR if months == 12 else 1.0)
            if rng.random() < per_period(hazard, months):
                immediate = months == 1 and rng.random() < IMMEDIATE_CANCEL
                cancelled = self._at_fraction(start, stop, 0.2, 0.9) if immediate else stop
                if cancelled >= self.end:
                    return None  # the cancellation lies in the future of the history: still active
                if immediate and rng.random() < REFUND_ON_IMMEDIATE:
                    self._refund(draft, start, stop, cancelled)
                self._cancel(cancelled, addon_live)
                return cancelled

            if rng.random() < per_period(SEATS_UP_MIDPERIOD, months):
                self._add_seats_midperiod(terms, start, stop)
            elapsed += months
            self._renew(terms, stop, addon_live)

    def _renew(self, terms: Terms, at: datetime, addon_live: bool) -> None:
        """Changes that take effect at the renewal `at`: plan moves, seat changes, the add-on coming or going."""
        rng = self.rng
        months = terms.plan.months
        index = TIERS.index(terms.tier)
        if index < 2 and rng.random() < per_period(UPGRADE, months):
            terms.tier = TIERS[index + 1]
        elif index > 0 and rng.random() < per_period(DOWNGRADE, months):
            terms.tier = TIERS[index - 1]
        if terms.cycle not in CYCLES[terms.tier]:
            terms.cycle = "monthly"
        if terms.cycle == "monthly" and rng.random() < per_period(TO_ANNUAL, months):
            terms.cycle = "annual"
        if rng.random() < per_period(SEATS_UP_AT_RENEWAL, months):
            terms.seats += rng.randint(1, max(1, math.ceil(terms.seats * 0.3)))
        elif terms.seats > 1 and rng.random() < per_period(SEATS_DOWN_AT_RENEWAL, months):
            terms.seats -= rng.randint(1, max(1, math.ceil(terms.seats * 0.2)))
            terms.seats = max(1, terms.seats)
        if self.set_id is not None:
            if terms.addon and (not terms.addon_allowed or rng.random() < per_period(ADDON_DROP, months)):
                terms.addon = False
            elif not terms.addon and terms.addon_allowed and rng.random() < per_period(ADDON_ATTACH, months):
                terms.addon = True
        if addon_live and not terms.addon and at < self.end:
            self.cancellations.append((at, self.addon_id))

    # -- line items -------------------------------------------------------------------------------------------

    def _price(self, tier: str, months: int, at: datetime) -> int:
        """List price of one seat for one period of `months` starting at `at`, in cents."""
        price = MONTHLY_PRICE[tier][self.currency] * months * CYCLE_FACTOR[months]
        if at >= self.price_rise_at:
            price *= PRICE_RISE
        return round(price)

    def _money(self, net: int) -> tuple[int, int]:
        """(amount_in_cents, tax_amount_in_cents): the amount charged includes the tax, as ChartMogul expects."""
        tax = round(net * self.tax_percent / 100)
        return net + tax, tax

    def _main_item(self, terms: Terms, start: datetime, stop: datetime) -> dict[str, Any]:
        plan = terms.plan
        gross = self._price(terms.tier, plan.months, start) * terms.seats
        offer = terms.discount
        active = offer is not None and terms.discount_until is not None and start < terms.discount_until
        discount = round(gross * offer.percent / 100) if offer is not None and active else 0
        amount, tax = self._money(gross - discount)
        item = self._subscription_item(plan, self.main_id, start, stop, amount, tax, terms.seats)
        if offer is not None and discount:
            item["discount_amount_in_cents"] = discount
            item["discount_code"] = offer.code
        return item

    def _addon_item(self, terms: Terms, start: datetime, stop: datetime) -> dict[str, Any]:
        plan = terms.addon_plan
        amount, tax = self._money(self._price("addon", plan.months, start))
        return self._subscription_item(plan, self.addon_id, start, stop, amount, tax, 1)

    def _subscription_item(
        self, plan: Plan, sub_id: str, start: datetime, stop: datetime, amount: int, tax: int, quantity: int
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": "subscription",
            "plan_external_id": plan.external_id,
            "subscription_external_id": sub_id,
        }
        if self.set_id is not None:
            item["subscription_set_external_id"] = self.set_id
        item.update(
            service_period_start=wire(start),
            service_period_end=wire(stop),
            amount_in_cents=amount,
            quantity=quantity,
            prorated=False,
            tax_amount_in_cents=tax,
        )
        return item

    def _setup_item(self, tier: str) -> dict[str, Any]:
        amount, tax = self._money(SETUP_FEE[tier][self.currency])
        return {
            "type": "one_time",
            "description": "Onboarding and setup",
            "amount_in_cents": amount,
            "quantity": 1,
            "tax_amount_in_cents": tax,
        }

    def _add_seats_midperiod(self, terms: Terms, start: datetime, stop: datetime) -> None:
        """Seats added during a period, billed at once for the rest of it: a differential prorated line item."""
        changed = self._at_fraction(start, stop, 0.1, 0.9)
        if changed >= self.end:
            return
        extra = self.rng.randint(1, max(1, math.ceil(terms.seats * 0.25)))
        plan = terms.plan
        share = (stop - changed) / (stop - start)
        net = max(1, round(self._price(terms.tier, plan.months, start) * extra * share))
        amount, tax = self._money(net)
        item = self._subscription_item(plan, self.main_id, changed, stop, amount, tax, extra)
        item["prorated"] = True
        item["proration_type"] = "differential"
        draft = Draft(changed, [item])
        self._pay(draft, may_fail=False)
        self.drafts.append(draft)
        terms.seats += extra

    def _at_fraction(self, start: datetime, stop: datetime, low: float, high: float) -> datetime:
        """A moment between `start` and `stop`, whole minutes, `low`..`high` of the way through."""
        seconds = (stop - start).total_seconds() * self.rng.uniform(low, high)
        return start + timedelta(minutes=int(seconds // 60))

    # -- money movements --------------------------------------------------------------------------------------

    def _pay(self, draft: Draft, *, may_fail: bool = True) -> bool:
        """Add the invoice's payment transactions; False when every attempt failed (the customer is delinquent)."""
        rng = self.rng
        when = draft.date
        # A failure needs room for its retries (and a delinquent cancellation) inside the history.
        if may_fail and when + timedelta(days=DELINQUENT_CANCEL_DAYS + 1) < self.end and rng.random() < PAYMENT_FAILS:
            draft.transactions.append({"type": "payment", "date": wire(when), "result": "failed"})
            if rng.random() < FAILED_FOR_GOOD:
                for days in (3, 7):
                    retry = when + timedelta(days=days)
                    draft.transactions.append({"type": "payment", "date": wire(retry), "result": "failed"})
                return False
            retry = when + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6))
            draft.transactions.append({"type": "payment", "date": wire(retry), "result": "successful"})
            return True
        draft.transactions.append({"type": "payment", "date": wire(when), "result": "successful"})
        return True

    def _refund(self, draft: Draft, start: datetime, stop: datetime, cancelled: datetime) -> None:
        """Refund the unused part of the period's subscription charges when a customer cancels mid-period."""
        charged = sum(item["amount_in_cents"] for item in draft.items if item["type"] == "subscription")
        unused = max(1, round(charged * (stop - cancelled) / (stop - start)))
        draft.transactions.append(
            {"type": "refund", "date": wire(cancelled), "result": "successful", "amount_in_cents": unused}
        )

    def _cancel(self, when: datetime, addon_live: bool) -> None:
        self.cancellations.append((when, self.main_id))
        if addon_live:
            self.cancellations.append((when, self.addon_id))

    # -- output -----------------------------------------------------------------------------------------------

    def _render(self) -> History:
        invoices: list[dict[str, Any]] = []
        # Stable sort: a prorated invoice drafted after its period's invoice keeps that order on equal dates.
        for index, draft in enumerate(sorted(self.drafts, key=lambda d: d.date), start=1):
            external_id = f"inv_{self.number:06d}_{index:03d}"
            for n, item in enumerate(draft.items, start=1):
                item["external_id"] = f"{external_id}_li{n}"
            for n, transaction in enumerate(draft.transactions, start=1):
                transaction["external_id"] = f"{external_id}_tr{n}"
            invoices.append(
                {
                    "external_id": external_id,
                    "date": wire(draft.date),
                    "due_date": wire(draft.date + timedelta(days=14)),
                    "currency": self.currency,
                    "customer_external_id": self.customer_external_id,
                    "line_items": draft.items,
                    "transactions": draft.transactions,
                }
            )
        cancellations = [
            {"subscription_external_id": sub_id, "cancelled_at": wire(when)}
            for when, sub_id in sorted(self.cancellations)
        ]
        return History(invoices, cancellations)
