"""Classify subscription changes in customer context into MRR movements.

Output per customer:
- activities: one per MRR-changing subscription event, typed new_biz, expansion, contraction, churn or
  reactivation;
- flows (µs, flow index, cents): the activities plus FX-only changes, which are what metrics aggregate;
- spans [start, end): the periods during which the customer had at least one active subscription.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

from mogul.engine.model import Customer, Plan, Subscription
from mogul.engine.mrr import SubChange, creation_order
from mogul.engine.timeutil import MICROS, LocalCalendar

NEW_BIZ, EXPANSION, CONTRACTION, CHURN, REACTIVATION, FX = range(6)
ACTIVITY_TYPES = ("new_biz", "expansion", "contraction", "churn", "reactivation")
FLOW_KEYS = ("mrr-new-business", "mrr-expansion", "mrr-contraction", "mrr-churn", "mrr-reactivation")

# Fixed namespace: activity uuids are uuid5(customer, subscription, time, ordinal), stable across recomputes.
ACTIVITY_NAMESPACE = uuid.UUID("8a0b2d3e-6f1c-5b7a-9c4d-2e1f0a9b8c7d")
_NAMESPACE_BYTES = ACTIVITY_NAMESPACE.bytes


def activity_uuid(name: str) -> str:
    """str(uuid.uuid5(ACTIVITY_NAMESPACE, name)), without the UUID object (several times faster)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Activity(NamedTuple):
    """An MRR movement; the server writes it as the `/v1/activities` entry declared in `mogul.objects.Activity`.

    A NamedTuple, not a frozen dataclass: a full recompute creates hundreds of thousands of these, and a
    frozen dataclass's __init__ costs five times more.
    """

    uuid: str
    at: int  # µs, for filtering and ordering
    date: str  # `at` in the account time zone, ISO offset form
    type: str
    description: str
    movement: int
    mrr: int  # the subscription's MRR after the movement [INF, docs/metrics.md]
    currency: str
    subscription_uuid: str
    subscription_external_id: str
    subscription_set_external_id: str
    plan_external_id: str
    customer_uuid: str
    customer_external_id: str
    customer_name: str
    data_source_uuid: str


@dataclass(frozen=True, slots=True)
class Movements:
    activities: tuple[Activity, ...]
    flows: tuple[tuple[int, int, int], ...]
    spans: tuple[tuple[int, int | None], ...]
    mrr: int
    active: bool


_AT = attrgetter("at")


def _rank(change: SubChange) -> tuple[int, int, tuple[int, str, int], str, str]:
    # Same instant: decreases before increases, so a switch between two unrelated subscriptions reads as
    # churn then reactivation; then event_order, then creation order as the data tells it (invoice
    # date, invoice, line), then the subscription: a total order, so activities never depend on input order.
    sub = change.sub
    flag = 0 if change.delta < 0 or not change.new_active else 1
    return (flag, change.order, creation_order(change.item), sub.external_id, sub.uuid)


def _linked(a: Subscription, b: Subscription) -> bool:
    """Two subscriptions of one set, or connected by hand, whose stop and start make one plan switch."""
    if a.uuid == b.uuid:
        return False
    same_set = bool(a.set_external_id) and a.set_external_id == b.set_external_id
    return same_set or (a.connection_key is not None and a.connection_key == b.connection_key)


def _link(batch: list[SubChange]) -> list[list[SubChange]]:
    """Pair a stop and a start of two linked subscriptions at the same instant: a linked plan switch."""
    steps: list[list[SubChange]] = [[c] for c in batch]
    stops = [s for s in steps if s[0].old_active and not s[0].new_active and _linkable(s[0].sub)]
    for step in steps:
        start = step[0]
        if start.old_active or not start.new_active or not _linkable(start.sub):
            continue
        for stop in stops:
            if len(stop) == 1 and _linked(stop[0].sub, start.sub):
                stop.append(start)
                step.clear()
                break
    return [s for s in steps if s]


def _linkable(sub: Subscription) -> bool:
    return bool(sub.set_external_id) or sub.connection_key is not None


def _describe(step: list[SubChange], plans: Mapping[str, Plan]) -> str:
    def name(plan_uuid: str | None) -> str:
        plan = plans.get(plan_uuid or "")
        return plan.name if plan else ""

    first = step[0]
    if len(step) == 2:
        return f"switched plan from {name(first.old_plan)} to {name(step[1].new_plan)}"
    if not first.old_active:
        verb = "reactivated" if first.restart else "purchased"
        return f"{verb} the {name(first.new_plan)} plan"
    if not first.new_active:
        return f"cancelled the {name(first.old_plan)} plan"
    if first.old_plan != first.new_plan:
        return f"switched plan from {name(first.old_plan)} to {name(first.new_plan)}"
    if first.old_qty != first.new_qty:
        return f"changed quantity of the {name(first.new_plan)} plan from {first.old_qty} to {first.new_qty}"
    verb = "upgraded" if first.delta > 0 else "downgraded"
    return f"{verb} the {name(first.new_plan)} plan"


def classify(
    customer: Customer,
    changes: list[SubChange],
    plans: Mapping[str, Plan],
    account_currency: str,
    calendar: LocalCalendar,
    smart_window_minutes: int | None = None,
) -> Movements:
    changes = sorted(changes, key=_AT)
    # Group same-instant changes so linked set members can pair up; order each group (the rare case) by rank.
    batches: list[list[SubChange]] = []
    for change in changes:
        if batches and batches[-1][0].at == change.at:
            batches[-1].append(change)
        else:
            batches.append([change])
    for batch in batches:
        if len(batch) > 1:
            batch.sort(key=_rank)

    active_subs = 0
    mrr = 0
    ever_active = False
    span_start: int | None = None
    spans: list[tuple[int, int | None]] = []
    drafts: list[list[Any]] = []  # [at, type, delta, step] before smart reclassification
    fx_flows: list[tuple[int, int, int]] = []

    for batch in batches:
        for step in _link(batch) if len(batch) > 1 else [batch]:
            at = step[0].at
            was_active = active_subs > 0
            delta = 0
            for change in step:
                active_subs += int(change.new_active) - int(change.old_active)
                delta += change.delta
            mrr += delta
            is_active = active_subs > 0
            if not was_active and is_active:
                kind = REACTIVATION if ever_active else NEW_BIZ
                ever_active = True
                span_start = at
            elif was_active and not is_active:
                kind = CHURN
                spans.append((span_start if span_start is not None else at, at))
                span_start = None
            elif len(step) == 1 and step[0].fx_only:
                fx_flows.append((at, FX, delta))
                continue
            else:
                kind = EXPANSION if delta > 0 else CONTRACTION
            if delta != 0:
                drafts.append([at, kind, delta, step])
    if span_start is not None:
        spans.append((span_start, None))

    if smart_window_minutes is not None:
        _reclassify(drafts, smart_window_minutes * 60 * MICROS)

    activities: list[Activity] = []
    ordinals: dict[tuple[str, int], int] = {}
    for at, kind, delta, step in drafts:
        target = step[-1]  # a linked switch belongs to the new subscription
        sub = target.sub
        key = (sub.uuid, at)
        ordinal = ordinals.get(key, 0)
        ordinals[key] = ordinal + 1
        plan = plans.get((target.new_plan if target.new_active else target.old_plan) or "")
        activities.append(
            Activity(
                uuid=activity_uuid(f"{customer.uuid}|{sub.uuid}|{at}|{ordinal}"),
                at=at,
                date=calendar.iso(at),
                type=ACTIVITY_TYPES[kind],
                description=_describe(step, plans),
                movement=delta,
                mrr=target.new_mrr,
                currency=account_currency,
                subscription_uuid=sub.uuid,
                subscription_external_id=sub.external_id,
                subscription_set_external_id=sub.set_external_id or "",
                plan_external_id=plan.external_id if plan else "",
                customer_uuid=customer.uuid,
                customer_external_id=customer.external_id,
                customer_name=customer.name,
                data_source_uuid=sub.data_source_uuid,
            )
        )
    flows = [(at, kind, delta) for at, kind, delta, _ in drafts]
    if fx_flows:
        flows.extend(fx_flows)
        flows.sort(key=lambda f: f[0])
    return Movements(tuple(activities), tuple(flows), tuple(spans), mrr, active_subs > 0)


def _reclassify(drafts: list[list[Any]], window_us: int) -> None:
    """Smart Activity Classification: expansion/contraction within the window after a new_biz or
    reactivation takes that type; within the window before a churn it becomes churn. Totals do not change."""
    anchor_at, anchor_kind = None, None
    for draft in drafts:
        at, kind = draft[0], draft[1]
        if kind in (NEW_BIZ, REACTIVATION):
            anchor_at, anchor_kind = at, kind
        elif kind in (EXPANSION, CONTRACTION) and anchor_at is not None and at - anchor_at <= window_us:
            draft[1] = anchor_kind
    churn_at = None
    for draft in reversed(drafts):
        at, kind = draft[0], draft[1]
        if kind == CHURN:
            churn_at = at
        elif kind in (EXPANSION, CONTRACTION) and churn_at is not None and churn_at - at <= window_us:
            draft[1] = CHURN
