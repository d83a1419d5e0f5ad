"""Small builders for engine tests: a `Book` of plans, customers, subscriptions and line items."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from mogul.engine import (
    Customer,
    CustomerResult,
    LineItem,
    MetricsAggregate,
    Plan,
    Settings,
    Subscription,
    compute_customer,
    metrics_response,
)
from mogul.engine.timeutil import to_us


def ts(text: str) -> int:
    """'2024-01-01' or '2024-01-01T12:30' (UTC) -> µs."""
    dt = datetime.fromisoformat(text)
    return to_us(dt if dt.tzinfo else dt.replace(tzinfo=UTC))


class Book:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.plans: dict[str, Plan] = {}
        self.customers: dict[str, Customer] = {}
        self.subs: dict[str, Subscription] = {}
        self.items: dict[str, list[LineItem]] = {}
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n:04d}"

    def plan(self, name: str, count: int = 1, unit: str = "month") -> Plan:
        plan = Plan(self._id("pl"), name.lower().replace(" ", "_"), name, count, unit)  # type: ignore[arg-type]
        self.plans[plan.uuid] = plan
        return plan

    def customer(self, name: str = "Acme", country: str | None = None) -> Customer:
        customer = Customer(self._id("cus"), f"ext_{name}", name, "ds_1", country)
        self.customers[customer.uuid] = customer
        self.items[customer.uuid] = []
        return customer

    def sub(self, customer: Customer, external_id: str, plan: Plan, set_id: str | None = None) -> Subscription:
        sub = Subscription(self._id("sub"), external_id, customer.uuid, "ds_1", plan.uuid, set_id)
        self.subs[sub.uuid] = sub
        return sub

    def item(
        self, sub: Subscription, start: str, end: str, amount: int, plan: Plan | None = None, **kw: Any
    ) -> LineItem:
        item = LineItem(
            uuid=self._id("li"),
            type="subscription",
            subscription_uuid=sub.uuid,
            subscription_external_id=sub.external_id,
            plan_uuid=(plan.uuid if plan else sub.plan_uuid),
            service_period_start=ts(start),
            service_period_end=ts(end),
            amount_in_cents=amount,
            invoice_date=kw.pop("invoice_date", ts(start)),
            currency=kw.pop("currency", self.settings.currency),
            subscription_set_external_id=sub.set_external_id,
            **kw,
        )
        self.items[sub.customer_uuid].append(item)
        return item

    def one_time(self, customer: Customer, when: str, amount: int) -> LineItem:
        item = LineItem(
            self._id("li"),
            "one_time",
            None,
            None,
            None,
            ts(when),
            ts(when),
            amount,
            ts(when),
            self.settings.currency,
        )
        self.items[customer.uuid].append(item)
        return item

    def cancel(self, sub: Subscription, when: str) -> None:
        current = self.subs[sub.uuid]
        self.subs[sub.uuid] = dataclasses.replace(current, cancellation_dates=(*current.cancellation_dates, ts(when)))

    def result(self, customer: Customer, settings: Settings | None = None, as_of: int | None = None) -> CustomerResult:
        subs = [s for s in self.subs.values() if s.customer_uuid == customer.uuid]
        return compute_customer(
            customer, subs, self.items[customer.uuid], self.plans, settings or self.settings, as_of=as_of
        )

    def results(self, settings: Settings | None = None) -> list[CustomerResult]:
        return [self.result(c, settings) for c in self.customers.values()]

    def aggregate(self, settings: Settings | None = None) -> MetricsAggregate:
        s = settings or self.settings
        return MetricsAggregate.from_results(self.results(s), s.time_zone, s.week_start)

    def month_ends(self, first: date, last: date, settings: Settings | None = None) -> list[tuple[int, int]]:
        agg = self.aggregate(settings)
        entries = metrics_response(agg, "all", first, last, "month")["entries"]
        return [(e["mrr"], e["customers"]) for e in entries]


def acts(result: CustomerResult) -> list[tuple[str, str, int, int]]:
    """(date YYYY-MM-DD, type, movement, activity-mrr) per activity."""
    return [(a.date[:10], a.type, a.movement, a.mrr) for a in result.activities]
