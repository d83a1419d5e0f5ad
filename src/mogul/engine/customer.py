"""Everything the engine derives for one customer: MRR, status, activities, subscriptions, metric inputs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mogul.engine.model import (
    Customer,
    EngineInputError,
    FxTable,
    LineItem,
    Plan,
    Settings,
    SourceSettings,
    Subscription,
)
from mogul.engine.movements import Activity, classify
from mogul.engine.mrr import SubChange, SubHistory, subscription_history
from mogul.engine.timeutil import LocalCalendar

CURRENCY_SIGNS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "AUD": "A$",
    "CAD": "C$",
    "CHF": "CHF",
    "SEK": "kr",
    "NOK": "kr",
    "DKK": "kr",
    "PLN": "zł",
    "BRL": "R$",
    "KRW": "₩",
    "RUB": "₽",
}


@dataclass(frozen=True, slots=True)
class CustomerResult:
    """The engine's answer for one customer. `flows` and `spans` feed `MetricsAggregate`."""

    customer: Customer
    # "Active" | "Past Due" (an active subscription with a past-due invoice in its latest billing period, or
    # whose latest period ended unrenewed; overrides Active, §5) | "Cancelled" | "New Lead" (never paid)
    status: str
    customer_since: int | None  # µs of the first activation
    customer_since_iso: str | None
    mrr: int
    activities: tuple[Activity, ...]
    # `/customers/{uuid}/subscriptions` entries, by attribute name (`objects.CustomerSubscription`; the server
    # renders them)
    subscriptions: tuple[dict[str, Any], ...]
    mrr_history: Mapping[str, tuple[tuple[int, int], ...]]  # subscription uuid -> ((µs, MRR after), ...)
    flows: tuple[tuple[int, int, int], ...]  # (µs, flow index from movements.py, cents)
    spans: tuple[tuple[int, int | None], ...]  # [start, end) with ≥1 active subscription; end None = open
    # When the result next changes with time alone (an invoice falls due, a period ends unrenewed, auto-churn,
    # a future period starts): recompute then. None without `as_of`, or when nothing is pending.
    recompute_at: int | None = None

    @property
    def arr(self) -> int:
        return 12 * self.mrr


class _Context:
    """Per-settings helpers built once and reused across customers."""

    __slots__ = ("calendar", "fx", "settings", "sources")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.fx = FxTable(settings.currency, settings.fx_rates)
        self.calendar = LocalCalendar(settings.time_zone, settings.week_start)
        self.sources: dict[str, SourceSettings] = {}

    def source(self, data_source_uuid: str) -> SourceSettings:
        found = self.sources.get(data_source_uuid)
        if found is None:
            found = self.sources[data_source_uuid] = self.settings.source(data_source_uuid)
        return found


_contexts: dict[int, tuple[Settings, _Context]] = {}


def _context(settings: Settings) -> _Context:
    cached = _contexts.get(id(settings))
    if cached is not None and cached[0] is settings:
        return cached[1]
    if len(_contexts) > 16:
        _contexts.clear()
    ctx = _Context(settings)
    _contexts[id(settings)] = (settings, ctx)
    return ctx


def compute_customer(
    customer: Customer,
    subscriptions: Iterable[Subscription],
    line_items: Iterable[LineItem],
    plans: Mapping[str, Plan],
    settings: Settings,
    subscription_filter: Callable[[Subscription], bool] | None = None,
    as_of: int | None = None,
) -> CustomerResult:
    """Compute one customer from their subscriptions, line items (any order) and the plans by uuid.

    Subscription line items whose subscription is missing from `subscriptions` get an implied one, as the
    Import API creates subscriptions from invoices. `subscription_filter` keeps only some subscriptions
    (the metrics `plans` filter). `as_of` (µs) is "now": auto-churn never fires after it, and Past Due is
    read at it; None = the end of the data. Raises EngineInputError on input that cannot be turned into MRR.
    """
    ctx = _context(settings)
    subs: dict[str, Subscription] = {s.uuid: s for s in subscriptions}
    by_sub: dict[str, list[LineItem]] = {}
    for item in line_items:
        if item.type != "subscription":
            if item.type != "one_time":
                raise EngineInputError(f"line item {item.uuid}: unknown type {item.type!r}")
            continue  # one-time charges never make MRR
        key = item.subscription_uuid or item.subscription_external_id
        if not key:
            raise EngineInputError(f"line item {item.uuid}: subscription item without a subscription")
        if key not in subs:
            subs[key] = Subscription(
                uuid=key,
                external_id=item.subscription_external_id or key,
                customer_uuid=customer.uuid,
                data_source_uuid=customer.data_source_uuid,
                plan_uuid=item.plan_uuid,
                set_external_id=item.subscription_set_external_id,
            )
        by_sub.setdefault(key, []).append(item)

    histories: list[SubHistory] = []
    connected = False
    for sub in subs.values():
        if subscription_filter is not None and not subscription_filter(sub):
            continue
        if sub.connection_key is not None:
            connected = True
        histories.append(
            subscription_history(
                sub, by_sub.get(sub.uuid, ()), plans, settings, ctx.fx, ctx.source(sub.data_source_uuid), as_of
            )
        )

    if connected:
        _smooth_connected_gaps(histories)
    changes = [c for h in histories for c in h.changes]
    moves = classify(customer, changes, plans, settings.currency, ctx.calendar, settings.smart_activity_window_minutes)
    since = moves.spans[0][0] if moves.spans else None
    if moves.active:
        status = "Past Due" if any(h.past_due for h in histories) else "Active"
    elif moves.spans:
        status = "Cancelled"
    else:
        status = "New Lead"
    return CustomerResult(
        customer=customer,
        status=status,
        customer_since=since,
        customer_since_iso=ctx.calendar.iso(since) if since is not None else None,
        mrr=moves.mrr,
        activities=moves.activities,
        subscriptions=tuple(
            _subscription_entry(h, plans, settings.currency, ctx.calendar)
            for h in sorted(histories, key=lambda h: (h.first_start or 0, h.sub.external_id, h.sub.uuid))
            if h.first_start is not None
        ),
        mrr_history={h.sub.uuid: tuple((c.at, c.new_mrr) for c in h.changes) for h in histories},
        flows=moves.flows,
        spans=moves.spans,
        recompute_at=None
        if as_of is None
        else min((h.recompute_at for h in histories if h.recompute_at is not None), default=None),
    )


def compute_customers(
    batch: Iterable[tuple[Customer, Iterable[Subscription], Iterable[LineItem]]],
    plans: Mapping[str, Plan],
    settings: Settings,
    as_of: int | None = None,
) -> list[CustomerResult]:
    """`compute_customer` over many customers (a full recompute)."""
    return [compute_customer(c, subs, items, plans, settings, None, as_of) for c, subs, items in batch]


def _smooth_connected_gaps(histories: list[SubHistory]) -> None:
    """Connected subscriptions ("MRR data editing"): when one stops and a later one of its connection group
    starts with no member active in between, the gap is smoothed: the stopped one keeps its MRR until the
    later one starts, where the pair is one linked plan switch (no churn, no reactivation)."""
    groups: dict[str, list[SubHistory]] = {}
    for h in histories:
        if h.sub.connection_key is not None:
            groups.setdefault(h.sub.connection_key, []).append(h)
    for members in groups.values():
        if len(members) < 2:
            continue
        # Each member's periods of activity: [start, stop) with stop None while active.
        periods = {h.sub.uuid: _active_periods(h.changes) for h in members}
        for h in members:
            for change in h.changes:
                if not change.old_active or change.new_active:
                    continue
                stopped = change.at
                others = [p for uuid, ps in periods.items() if uuid != h.sub.uuid for p in ps]
                if any(start < stopped and (stop is None or stop > stopped) for start, stop in others):
                    continue  # another member carries on: no gap
                later = [start for start, _ in others if start >= stopped]
                own = [start for start, _ in periods[h.sub.uuid] if start > stopped]
                if not later or (own and min(own) <= min(later)):
                    continue  # nothing connected follows, or the subscription restarts on its own first
                change.at = min(later)
                if h.end == stopped:
                    h.end = change.at
                periods[h.sub.uuid] = _active_periods(h.changes)


def _active_periods(changes: list[SubChange]) -> list[tuple[int, int | None]]:
    periods: list[tuple[int, int | None]] = []
    start: int | None = None
    for change in changes:
        if change.new_active and not change.old_active:
            start = change.at
        elif change.old_active and not change.new_active and start is not None:
            periods.append((start, change.at))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


def _subscription_entry(
    h: SubHistory, plans: Mapping[str, Plan], currency: str, calendar: LocalCalendar
) -> dict[str, Any]:
    plan = plans.get(h.plan_uuid or "")
    sub = h.sub
    return {
        "id": sub.id,
        "external_id": sub.external_id,
        "subscription_set_external_id": sub.set_external_id or "",
        "quantity": h.quantity,
        "uuid": sub.uuid,
        "mrr": h.mrr,
        "arr": 12 * h.mrr,
        # "past_due" [INF]: the reference shows only "active"; ChartMogul's subscription statuses are Active,
        # Past due and Cancelled ("Customer & Subscription Statuses").
        "status": ("past_due" if h.past_due else "active") if h.active else "inactive",
        "plan": plan.name if plan else "",
        "billing_cycle": plan.interval_unit if plan else None,
        "billing_cycle_count": plan.interval_count if plan else None,
        "start_date": calendar.iso(h.first_start) if h.first_start is not None else None,
        "end_date": calendar.iso(h.end) if h.end is not None else None,
        "currency": currency,
        "currency_sign": CURRENCY_SIGNS.get(currency, currency),
    }
