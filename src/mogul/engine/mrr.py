"""MRR of line items and the MRR history of one subscription.

A subscription's history is a list of `SubChange`s: every moment its MRR, plan, quantity or
active state changes. Classifying those changes (new business, churn...) needs the customer's
other subscriptions, so it happens in `movements.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from operator import attrgetter

from mogul.engine.model import (
    INVOICE_STATES,
    PRORATION_TYPES,
    EngineInputError,
    FxTable,
    LineItem,
    Plan,
    Settings,
    SourceSettings,
    Subscription,
)
from mogul.engine.timeutil import DAY_US, shift_back


def round_cents(value: float) -> int:
    """Nearest integer cent, halves away from zero (Python's round() would round 0.5 to even)."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def div_round(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves away from zero, exactly; denominator > 0."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((denominator - 2 * numerator) // (2 * denominator))


@lru_cache(maxsize=1024)
def monthly_ratio(unit: str, count: int, day_normalisation: float) -> tuple[int, int, float]:
    """(numerator, denominator, float) of the factor turning one plan interval's amount into a month.

    Exact, so that MRR is rounded once from the true value; the float only feeds FX-only comparisons.
    """
    if unit == "month":
        exact = Fraction(1, count)
    elif unit == "year":
        exact = Fraction(1, 12 * count)
    else:  # the float setting is read as written: 30.4375, or 30
        exact = Fraction(repr(float(day_normalisation))) / count
    return exact.numerator, exact.denominator, float(exact)


def monthly_factor(plan: Plan, day_normalisation: float) -> float:
    """Multiplier turning one plan interval's amount into a monthly amount."""
    return monthly_ratio(plan.interval_unit, plan.interval_count, day_normalisation)[2]


def line_item_mrr(
    item: LineItem, plan: Plan, settings: Settings, fx: FxTable, deduct_fees: bool = False
) -> tuple[float, int]:
    """(MRR in the item's currency, unrounded; MRR in account cents, rounded once, exactly)."""
    net = item.amount_in_cents - item.tax_amount_in_cents
    if deduct_fees:
        net -= item.transaction_fees_in_cents
    rate_num, rate_den = fx.ratio(item.currency, item.service_period_start)
    if item.prorated and item.proration_type == "differential_mrr":
        return float(net), div_round(net * rate_num, rate_den)  # the amount is already the MRR delta
    num, den, factor = monthly_ratio(plan.interval_unit, plan.interval_count, settings.day_normalisation)
    num *= net
    native = net * factor
    if item.prorated:
        prorated_us = item.service_period_end - item.service_period_start
        if prorated_us <= 0:
            raise EngineInputError(f"line item {item.uuid}: a prorated item needs service_period_end after its start")
        # The full period is the plan interval that ends where the prorated one ends.
        full_us = item.service_period_end - shift_back(item.service_period_end, plan.interval_unit, plan.interval_count)
        num *= full_us
        den *= prorated_us
        native = native * full_us / prorated_us
    return native, div_round(num * rate_num, den * rate_den)


@dataclass(slots=True)
class SubChange:
    """One change of a subscription's state, at `at` (µs). `old_*` is before, `new_*` after."""

    at: int
    order: int  # event_order of the item causing it (0 for cancellations)
    item: LineItem | None  # the first item of the group causing it (None for a stop): its creation order
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
    # Active, and its most recent billing period has a past-due invoice or has ended without a renewal.
    past_due: bool = False
    # When time alone (no new data) next changes this history: an invoice falling due, a period ending without
    # renewal, auto-churn, a future period starting. None without `as_of`, or when nothing is pending.
    recompute_at: int | None = None


_ITEM, _CANCEL = 0, 1
_FOREVER = 1 << 62  # µs, far beyond any real date: "no as_of"
_STOP_SEQ = (-1, "", -1)  # a stop's place among changes at its instant (stops come first anyway)
_ANY_INVOICE = object()  # no item has set the group's MRR yet
_start = attrgetter("service_period_start")


def _tie_key(item: LineItem) -> tuple[bool, int, int, str, int, str]:
    """Order of items starting at one instant: event_order, then creation order read from the data (the
    invoice's date and external id, the line's position in it), then the item's uuid: never the input order."""
    order = item.event_order
    return (order is None, order or 0, item.invoice_date, item.invoice_external_id or "", item.position, item.uuid)


def creation_order(item: LineItem | None) -> tuple[int, str, int]:
    """Where the item causing a change was created, as the data tells it: invoice date, invoice, line."""
    if item is None:
        return _STOP_SEQ
    return (item.invoice_date, item.invoice_external_id or "", item.position)


def subscription_history(
    sub: Subscription,
    items: Iterable[LineItem],
    plans: Mapping[str, Plan],
    settings: Settings,
    fx: FxTable,
    source: SourceSettings | None = None,
    as_of: int | None = None,
) -> SubHistory:
    """Replay one subscription's items (any order) and cancellations in time order.

    `source` is the subscription's data-source settings (default: `settings.source(...)`); `as_of` is "now":
    auto-churn never fires after it and the Past Due state is read at it.
    """
    if source is None:
        source = settings.source(sub.data_source_uuid)
    ordered = sorted(items, key=_start)
    if source.exclude_refunded or source.exclude_voided:  # as if those invoices were never issued
        ordered = [
            item
            for item in ordered
            if not (item.refunded and source.exclude_refunded) and not (item.voided and source.exclude_voided)
        ]
    # Same-start items form one group, applied together (several items on one invoice, §1.4, or several
    # invoices for the same period: one MRR change, one movement).
    timeline: list[tuple[int, int, list[LineItem]]] = []
    cancels = set(sub.cancellation_dates)
    for item in ordered:
        if item.proration_type is not None and item.proration_type not in PRORATION_TYPES:
            raise EngineInputError(f"line item {item.uuid}: unknown proration_type {item.proration_type!r}")
        if item.service_period_end < item.service_period_start:
            raise EngineInputError(f"line item {item.uuid}: service_period_end is before its start")
        if item.cancelled_at is not None:
            cancels.add(item.cancelled_at)
        if timeline and timeline[-1][0] == item.service_period_start:
            timeline[-1][2].append(item)
        else:
            timeline.append((item.service_period_start, _ITEM, [item]))
    for _, _, group in timeline:
        if len(group) > 1:  # rare: same-instant items in their data order (the common case sorts nothing)
            group.sort(key=_tie_key)

    if cancels:
        if settings.churn_recognition == "end_of_service_period":
            cancels = {_end_of_service(c, ordered) for c in cancels}
        # At one instant items apply before a cancellation: a cancellation wins over a renewal at its time.
        timeline.extend((c, _CANCEL, []) for c in cancels)
        timeline.sort(key=lambda e: (e[0], e[1]))

    free_is_active = settings.free_customer_handling == "active"
    account_currency = fx.account_currency
    plan_cache: dict[str | None, tuple[Plan, int, int, float]] = {}
    create_rank = INVOICE_STATES.index(source.create_subscription_when)
    update_rank = INVOICE_STATES.index(source.update_subscription_when)
    deduct_fees = source.deduct_transaction_fees
    grace = source.auto_churn_days * DAY_US if source.auto_churn_days is not None else None
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
    paid_through = 0  # latest service period end of the current activation (auto-churn's "missing renewal")
    past_due: int | None = None  # when the most recent applied group's invoice fell past due
    auto_at: int | None = None  # when auto-churn stops the subscription unless an event comes first
    horizon = as_of if as_of is not None else _FOREVER
    future: int | None = None  # the first item group after `as_of`: "the most recent billing period" moves then

    # (No closure for "stop": variables a nested function writes become cells, slowing this whole loop.)
    for at, kind, group in timeline:
        # Auto-churn fires when nothing renewed the subscription in time, but never after "now".
        if auto_at is not None and auto_at < at and auto_at <= horizon:
            changes.append(_stop(sub, auto_at, mrr, plan_uuid, qty))
            active, mrr, native, currency, end, cancelled, past_due = False, 0, 0.0, None, auto_at, True, None
            auto_at = None
        if kind == _CANCEL:
            if active:
                changes.append(_stop(sub, at, mrr, plan_uuid, qty))
                active, mrr, native, currency, end, cancelled, past_due, auto_at = (
                    False, 0, 0.0, None, at, True, None, None
                )  # fmt: skip
            continue

        # Invoice handling: a start needs an invoice paid enough to create; the other items of the
        # same instant then count as updates of the subscription they created.
        if update_rank:
            floor = update_rank if active else min(update_rank, create_rank)
            group = [item for item in group if item.state_rank() >= floor]
            if not group:
                continue
        if not active and create_rank and not any(item.state_rank() >= create_rank for item in group):
            continue  # unpaid items never start a subscription: still a lead, or still cancelled
        if at > horizon and future is None:
            future = at

        new_mrr, new_native, new_qty = (mrr, native, qty) if active else (0, 0.0, 0)
        new_plan = plan_uuid
        group_currency: str | None = group[0].currency
        group_past_due: int | None = None
        # Whose non-prorated items set the MRR: more of that invoice add up, another invoice for the same
        # period replaces them (a re-sent, corrected or refund invoice restates the period, §2).
        setter: object = _ANY_INVOICE
        for item in group:
            if item.type != "subscription":
                continue
            known = plan_cache.get(item.plan_uuid)
            if known is None:
                plan = plans.get(item.plan_uuid or "")
                if plan is None:
                    raise EngineInputError(f"line item {item.uuid}: unknown plan_uuid {item.plan_uuid!r}")
                known = plan_cache[item.plan_uuid] = (
                    plan,
                    *monthly_ratio(plan.interval_unit, plan.interval_count, settings.day_normalisation),
                )
            plan, f_num, f_den, factor = known
            if item.prorated:
                item_native, item_mrr = line_item_mrr(item, plan, settings, fx, deduct_fees)
            else:  # the common case, inlined: (amount - tax) × monthly factor × rate, in exact integers
                net = item.amount_in_cents - item.tax_amount_in_cents
                if deduct_fees:
                    net -= item.transaction_fees_in_cents
                item_native = net * factor
                if item.currency == account_currency:
                    item_mrr = net if f_den == 1 and f_num == 1 else div_round(net * f_num, f_den)
                else:
                    rate_num, rate_den = fx.ratio(item.currency, item.service_period_start)
                    item_mrr = div_round(net * f_num * rate_num, f_den * rate_den)
            if item.currency != group_currency:
                group_currency = None
            new_plan = plan.uuid
            signed_qty = item.quantity if item.amount_in_cents >= 0 else -item.quantity
            if item.prorated:
                if item.proration_type == "full":
                    new_mrr, new_native, new_qty, setter, group_past_due = (
                        item_mrr, item_native, item.quantity, _ANY_INVOICE, None
                    )  # fmt: skip
                else:  # differential items add on top
                    new_mrr += item_mrr
                    new_native += item_native
                    new_qty += signed_qty
            elif setter is not _ANY_INVOICE and item.invoice_external_id == setter:
                new_mrr += item_mrr  # more lines of the invoice that set the MRR
                new_native += item_native
                new_qty += signed_qty
            else:
                new_mrr, new_native, new_qty, setter, group_past_due = (
                    item_mrr, item_native, item.quantity, item.invoice_external_id, None
                )  # fmt: skip
            if item.past_due_at is not None and item.state_rank() < 2:
                group_past_due = item.past_due_at if group_past_due is None else min(group_past_due, item.past_due_at)
        # A subscription's MRR never goes below 0 (an item billed below its tax, a credit larger than the
        # current MRR): clamping here keeps every movement equal to the change of a non-negative MRR.
        if new_mrr < 0 or new_native < 0 or new_qty < 0:
            new_mrr, new_native, new_qty = max(new_mrr, 0), max(new_native, 0.0), max(new_qty, 0)
        group_end = group[0].service_period_end if len(group) == 1 else max(i.service_period_end for i in group)
        first = group[0]

        if not active:
            if new_mrr <= 0:
                continue  # $0 items never start a subscription: still a lead or cancelled
            changes.append(
                SubChange(
                    at,
                    first.event_order or 0,
                    first,
                    sub,
                    0,
                    new_mrr,
                    False,
                    True,
                    plan_uuid,
                    new_plan,
                    0,
                    new_qty,
                    ever_active,
                    False,
                )
            )
            if first_start is None:
                first_start = at
            active = ever_active = True
            cancelled = False
            paid_through = group_end
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
                        first.event_order or 0,
                        first,
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
                active, new_mrr, new_native, end, cancelled, auto_at = False, 0, 0.0, at, True, None
                group_past_due = None
            elif group_end > paid_through:
                paid_through = group_end
        mrr, native, qty, plan_uuid, currency = new_mrr, new_native, new_qty, new_plan, group_currency
        if active:
            end = group_end
            if at <= horizon:  # "most recent billing period" as seen at as_of
                past_due = group_past_due
            if grace is not None:
                # Missing renewal: X days after the paid-through date; unpaid: X days after it fell due.
                due = paid_through + grace
                if group_past_due is not None and group_past_due + grace < due:
                    due = group_past_due + grace
                auto_at = max(due, at)

    if auto_at is not None and as_of is not None and auto_at <= as_of:
        # No event after it: only a known "now" can tell that the renewal is missing.
        changes.append(_stop(sub, auto_at, mrr, plan_uuid, qty))
        active, end, cancelled = False, auto_at, True
    is_past_due = False
    recompute_at: int | None = None
    if active:
        # Past Due: an unpaid invoice of the most recent billing period fell due, or that period ended
        # and no renewal came ("Adding paused subscriptions": invoices stopped, subscription not cancelled).
        is_past_due = past_due is not None and (as_of is None or past_due <= as_of)
        if as_of is not None:
            is_past_due = is_past_due or paid_through <= as_of
            pending = [t for t in (past_due, paid_through, auto_at, future) if t is not None and t > as_of]
            recompute_at = min(pending) if pending else None
    return SubHistory(
        sub,
        changes,
        mrr if active else 0,
        active,
        plan_uuid,
        qty,
        first_start,
        end,
        cancelled,
        is_past_due,
        recompute_at,
    )


def _stop(sub: Subscription, at: int, mrr: int, plan_uuid: str | None, qty: int) -> SubChange:
    return SubChange(at, 0, None, sub, mrr, 0, True, False, plan_uuid, plan_uuid, qty, qty, False, False)


def _end_of_service(cancel_at: int, ordered: list[LineItem]) -> int:
    """Churn at the end of the last service period billed on or before the cancellation (§2.3 option 2)."""
    ends = [item.service_period_end for item in ordered if item.service_period_start <= cancel_at]
    return max([cancel_at, *ends])
