"""MRR of line items and the MRR history of one subscription (metrics-semantics §1, §2).

A subscription's history is a list of `SubChange`s: every moment its MRR, plan, quantity or
active state changes. Classifying those changes (new business, churn...) needs the customer's
other subscriptions, so it happens in `movements.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mogul.engine.model import (
    PRORATION_TYPES,
    EngineInputError,
    FxTable,
    LineItem,
    Plan,
    Settings,
    Subscription,
)
from mogul.engine.timeutil import shift_back


def round_cents(value: float) -> int:
    """Nearest integer cent, halves away from zero (Python's round() would round 0.5 to even)."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def monthly_factor(plan: Plan, day_normalisation: float) -> float:
    """Multiplier turning one plan interval's amount into a monthly amount (§1.2)."""
    if plan.interval_unit == "month":
        return 1.0 / plan.interval_count
    if plan.interval_unit == "year":
        return 1.0 / (12 * plan.interval_count)
    return day_normalisation / plan.interval_count


def line_item_mrr(item: LineItem, plan: Plan, settings: Settings, fx: FxTable) -> tuple[float, int]:
    """(MRR in the item's currency, unrounded; MRR in account cents, rounded) of a subscription item."""
    net = item.amount_in_cents - item.tax_amount_in_cents
    if item.prorated and item.proration_type == "differential_mrr":
        monthly = float(net)  # the amount is already the MRR delta
    else:
        monthly = net * monthly_factor(plan, settings.day_normalisation)
        if item.prorated:
            prorated_us = item.service_period_end - item.service_period_start
            if prorated_us <= 0:
                raise EngineInputError(
                    f"line item {item.uuid}: a prorated item needs service_period_end after its start"
                )
            # The full period is the plan interval that ends where the prorated one ends (§1.3).
            full_us = item.service_period_end - shift_back(
                item.service_period_end, plan.interval_unit, plan.interval_count
            )
            monthly = monthly * full_us / prorated_us
    rate = fx.rate(item.currency, item.service_period_start)
    return monthly, round_cents(monthly * rate)


@dataclass(slots=True)
class SubChange:
    """One change of a subscription's state, at `at` (µs). `old_*` is before, `new_*` after."""

    at: int
    order: int  # event_order of the item causing it (0 for cancellations)
    seq: int  # input position, the final tie-breaker (creation order)
    sub: Subscription
    old_mrr: int
    new_mrr: int
    old_active: bool
    new_active: bool
    old_plan: str | None
    new_plan: str | None
    old_qty: int
    new_qty: int
    restart: bool  # an inactive subscription that had been active before becomes active again
    fx_only: bool  # same amount in the same foreign currency, only the rate moved: no activity

    @property
    def delta(self) -> int:
        return self.new_mrr - self.old_mrr


@dataclass(slots=True)
class SubHistory:
    sub: Subscription
    changes: list[SubChange]
    mrr: int  # current
    active: bool
    plan_uuid: str | None
    quantity: int
    first_start: int | None  # first activation (start of its service period)
    end: int | None  # cancellation time if cancelled, else end of the latest applied service period
    cancelled: bool


_ITEM, _CANCEL = 0, 1


def _item_key(indexed: tuple[int, LineItem]) -> tuple[int, bool, int, int]:
    i, item = indexed
    order = item.event_order
    return (item.service_period_start, order is None, order or 0, i)


def subscription_history(
    sub: Subscription,
    items: Iterable[tuple[int, LineItem]],
    plans: Mapping[str, Plan],
    settings: Settings,
    fx: FxTable,
) -> SubHistory:
    """Replay one subscription's items and cancellations in time order. `items` carry their input index."""
    ordered = sorted(items, key=_item_key)
    # Same-start items form one group, applied together (several items on one invoice, §1.4).
    timeline: list[tuple[int, int, int, int, list[LineItem]]] = []
    cancels = set(sub.cancellation_dates)
    for i, item in ordered:
        if item.proration_type is not None and item.proration_type not in PRORATION_TYPES:
            raise EngineInputError(f"line item {item.uuid}: unknown proration_type {item.proration_type!r}")
        if item.service_period_end < item.service_period_start:
            raise EngineInputError(f"line item {item.uuid}: service_period_end is before its start")
        if item.cancelled_at is not None:
            cancels.add(item.cancelled_at)
        if timeline and timeline[-1][0] == item.service_period_start:
            timeline[-1][4].append(item)
        else:
            timeline.append((item.service_period_start, _ITEM, item.event_order or 0, i, [item]))

    if cancels:
        if settings.churn_recognition == "end_of_service_period":
            cancels = {_end_of_service(c, ordered) for c in cancels}
        # At one instant items apply before a cancellation: a cancellation wins over a renewal at its time.
        timeline.extend((c, _CANCEL, 0, -1, []) for c in cancels)
        timeline.sort(key=lambda e: (e[0], e[1], e[2], e[3]))

    free_is_active = settings.free_customer_handling == "active"
    account_currency = fx.account_currency
    plan_cache: dict[str | None, tuple[Plan, float]] = {}
    requires_paid = settings.new_sub_requires_paid_invoice
    changes: list[SubChange] = []
    active = False
    ever_active = False
    mrr = 0
    native = 0.0  # MRR in the item currency, to tell FX-only changes apart
    currency: str | None = None
    plan_uuid = sub.plan_uuid
    qty = 0
    first_start: int | None = None
    end: int | None = None
    cancelled = False

    for at, kind, order, seq, group in timeline:
        if kind == _CANCEL:
            if active:
                changes.append(
                    SubChange(at, 0, seq, sub, mrr, 0, True, False, plan_uuid, plan_uuid, qty, qty, False, False)
                )
                active, mrr, native, currency, end, cancelled = False, 0, 0.0, None, at, True
            continue

        new_mrr, new_native, new_qty = (mrr, native, qty) if active else (0, 0.0, 0)
        new_plan = plan_uuid
        group_currency: str | None = group[0].currency
        replaced = False
        for item in group:
            if item.type != "subscription":
                continue
            known = plan_cache.get(item.plan_uuid)
            if known is None:
                plan = plans.get(item.plan_uuid or "")
                if plan is None:
                    raise EngineInputError(f"line item {item.uuid}: unknown plan_uuid {item.plan_uuid!r}")
                known = plan_cache[item.plan_uuid] = (plan, monthly_factor(plan, settings.day_normalisation))
            plan, factor = known
            if item.prorated:
                item_native, item_mrr = line_item_mrr(item, plan, settings, fx)
            else:  # the common case, inlined: (amount - tax) × monthly factor × rate
                item_native = (item.amount_in_cents - item.tax_amount_in_cents) * factor
                if item.currency == account_currency:
                    item_mrr = round_cents(item_native)
                else:
                    item_mrr = round_cents(item_native * fx.rate(item.currency, item.service_period_start))
            if item.currency != group_currency:
                group_currency = None
            new_plan = plan.uuid
            signed_qty = item.quantity if item.amount_in_cents >= 0 else -item.quantity
            if (not item.prorated and not replaced) or (item.prorated and item.proration_type == "full"):
                new_mrr, new_native, new_qty = item_mrr, item_native, item.quantity
                replaced = not item.prorated
            else:  # more non-prorated items of the same start add up; differential items add on top
                new_mrr += item_mrr
                new_native += item_native
                new_qty += signed_qty

        if not active:
            paid = not requires_paid or any(item.paid for item in group)
            if new_mrr <= 0 or not paid:
                continue  # $0 / unpaid items never start a subscription (§2.1): still a lead or cancelled
            changes.append(
                SubChange(
                    at, order, seq, sub, 0, new_mrr, False, True, plan_uuid, new_plan, 0, new_qty, ever_active, False
                )
            )
            if first_start is None:
                first_start = at
            active = ever_active = True
            cancelled = False
        else:
            new_active = new_mrr > 0 or free_is_active
            if new_mrr != mrr or new_plan != plan_uuid or new_qty != qty or not new_active:
                fx_only = (
                    new_active
                    and new_plan == plan_uuid
                    and new_qty == qty
                    and group_currency is not None
                    and group_currency == currency
                    and abs(new_native - native) < 1e-6
                )
                changes.append(
                    SubChange(
                        at,
                        order,
                        seq,
                        sub,
                        mrr,
                        new_mrr,
                        True,
                        new_active,
                        plan_uuid,
                        new_plan,
                        qty,
                        new_qty,
                        False,
                        fx_only,
                    )
                )
            if not new_active:  # a free subscription counts as cancelled under the "churn" handling
                active, new_mrr, new_native, end, cancelled = False, 0, 0.0, at, True
        mrr, native, qty, plan_uuid, currency = new_mrr, new_native, new_qty, new_plan, group_currency
        if active:
            end = group[0].service_period_end if len(group) == 1 else max(i.service_period_end for i in group)

    return SubHistory(sub, changes, mrr if active else 0, active, plan_uuid, qty, first_start, end, cancelled)


def _end_of_service(cancel_at: int, ordered: list[tuple[int, LineItem]]) -> int:
    """Churn at the end of the last service period billed on or before the cancellation (§2.3 option 2)."""
    ends = [item.service_period_end for _, item in ordered if item.service_period_start <= cancel_at]
    return max([cancel_at, *ends])
