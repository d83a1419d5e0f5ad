"""Between the store and the metrics engine: load a batch of customers' inputs, write their results.

Both run inside the caller's transaction, so results for a batch appear all at once or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ...engine import Activity, Customer, CustomerResult, LineItem, Plan, Settings, SourceSettings, Subscription
from ...objects import Activity as ApiActivity
from ...objects import CustomerSubscription
from ..render import render
from . import customer_entries, schema
from .fx import converter
from .metric_settings import engine_options
from .schema import activities, customer_results, recompute_schedule, results_version

# Statuses a person sets by hand; the engine only decides between lead, Active and Cancelled.
LEAD_STATUSES = frozenset({"New Lead", "Working Lead", "Qualified Lead", "Unqualified Lead"})


# (state, fully refunded, first failed payment) of an invoice without transactions: API imports often carry
# none, and ChartMogul accepts subscriptions without transactions (docs/metrics.md, open question 6).
_NO_TRANSACTIONS: tuple[str, bool, int | None] = ("paid", False, None)


def activity_entry(act: Activity) -> dict[str, Any]:
    """The `/activities` entry of a movement, from its declaration (`objects.Activity`)."""
    return render(
        ApiActivity,
        {
            "description": act.description,
            "activity_mrr_movement": act.movement,
            "activity_mrr": act.mrr,
            "activity_arr": 12 * act.mrr,
            "date": act.date,
            "type": act.type,
            "currency": act.currency,
            "subscription_external_id": act.subscription_external_id,
            "subscription_set_external_id": act.subscription_set_external_id,
            "plan_external_id": act.plan_external_id,
            "customer_name": act.customer_name,
            "customer_uuid": act.customer_uuid,
            "customer_external_id": act.customer_external_id,
            "billing_connector_uuid": act.data_source_uuid,
            "uuid": act.uuid,
        },
    )


def subscription_entry(values: Mapping[str, Any]) -> dict[str, Any]:
    """The `/customers/{uuid}/subscriptions` entry of the engine's view of a subscription, from its declaration
    (`objects.CustomerSubscription`); its uuid is bare, without `sub_`."""
    return render(CustomerSubscription, {**values, "uuid": bare_uuid(values["uuid"])})


def payment_state(total: int, transactions: Iterable[Any]) -> tuple[str, bool, int | None]:
    """An invoice's (payment state, fully refunded, first failed payment µs) from its transactions ("Invoice
    handling"): `paid` when successful payments cover its total, `partially_paid` when they cover part of it,
    else `open`. A transaction without `amount_in_cents` counts as the whole total. An invoice whose only
    successful transactions are refunds is a refund invoice ("Adding refunds using the Import API"): it
    restates a period already paid, so it counts as settled, not as an unpaid bill."""
    paid = refunds = 0
    paid_seen = refund_seen = False
    failed_at: int | None = None
    for tx in transactions:
        if tx.result != "successful":
            if tx.type == "payment" and (failed_at is None or tx.date < failed_at):
                failed_at = tx.date
            continue
        amount = total if tx.amount_in_cents is None else tx.amount_in_cents
        if tx.type == "payment":
            paid += amount
            paid_seen = True
        else:
            refunds += amount
            refund_seen = True
    if paid_seen and paid >= total:
        state = "paid"
    elif paid > 0:
        state = "partially_paid"
    else:
        state = "paid" if refund_seen else "open"
    return state, refund_seen and refunds >= total, failed_at


def past_due_at(state: str, failed_at: int | None, due_date: int | None) -> int | None:
    """When an unpaid invoice fell (or falls) past due: its first failed payment or its due date, the earlier."""
    if state == "paid":
        return None
    moments = [t for t in (failed_at, due_date) if t is not None]
    return min(moments) if moments else None


@dataclass(frozen=True)
class CustomerInput:
    id: int
    data_source_id: int
    status: str
    customer: Customer
    subscriptions: list[Subscription]
    line_items: list[LineItem]


c, ds, s, p, inv, li, tx = (
    schema.customers,
    schema.data_sources,
    schema.subscriptions,
    schema.plans,
    schema.invoices,
    schema.line_items,
    schema.transactions,
)
sc = schema.subscription_connections
# The processor's statements, built once: under a stream of imports it runs small batches, and building and
# cache-keying a dozen statements per batch was a large part of a batch's fixed cost.
IDS = bindparam("ids", expanding=True)
# Every load has an ORDER BY, though the engine orders its input itself (a total order on the data): the
# rows of a batch come back the same on every backend and every run.
LOAD_CUSTOMERS = (
    select(c.c.id, c.c.uuid, c.c.external_id, c.c.name, c.c.country, c.c.status, c.c.data_source_id, ds.c.uuid)
    .join(ds, ds.c.id == c.c.data_source_id)
    .where(c.c.id.in_(IDS))
    .order_by(c.c.id)
)
LOAD_SUBSCRIPTIONS = (
    select(
        s.c.id,
        s.c.uuid,
        s.c.plan_id,
        s.c.external_id,
        s.c.set_external_id,
        s.c.cancellation_dates,
        s.c.customer_id,
        p.c.uuid.label("plan_uuid"),
        ds.c.uuid.label("ds_uuid"),
        c.c.uuid.label("customer_uuid"),
        sc.c.group_key,
    )
    .join(ds, ds.c.id == s.c.data_source_id)
    .join(c, c.c.id == s.c.customer_id)
    .outerjoin(p, p.c.id == s.c.plan_id)
    .outerjoin(sc, sc.c.subscription_id == s.c.id)
    .where(s.c.customer_id.in_(IDS))
    .order_by(s.c.id)
)
LOAD_TRANSACTIONS = (
    select(tx.c.invoice_id, tx.c.type, tx.c.result, tx.c.amount_in_cents, tx.c.date)
    .where(tx.c.customer_id.in_(IDS))
    .order_by(tx.c.invoice_id, tx.c.date, tx.c.id)
)
LOAD_LINE_ITEMS = (
    select(
        li.c.customer_id,
        li.c.invoice_id,
        li.c.uuid,
        li.c.type,
        li.c.plan_id,
        li.c.service_period_start,
        li.c.service_period_end,
        li.c.amount_in_cents,
        li.c.tax_amount_in_cents,
        li.c.quantity,
        li.c.prorated,
        li.c.proration_type,
        li.c.event_order,
        li.c.cancelled_at,
        li.c.discount_amount_in_cents,
        li.c.discount_code,
        inv.c.date,
        inv.c.currency,
        s.c.uuid,
        s.c.external_id,
        s.c.set_external_id,
        p.c.uuid,
        inv.c.external_id,
        inv.c.due_date,
    )
    .join(inv, inv.c.id == li.c.invoice_id)
    .outerjoin(s, s.c.id == li.c.subscription_id)
    .outerjoin(p, p.c.id == li.c.plan_id)
    .where(li.c.customer_id.in_(IDS))
    # An invoice's lines in the order they were imported: a line's position in its invoice is data.
    .order_by(li.c.customer_id, li.c.invoice_id, li.c.id)
)
LOAD_PLANS = select(p).where(p.c.id.in_(IDS))
# Invoices an API call voided or wrote off (few, if any: the table is small and joined from its side).
LOAD_VOIDED = (
    select(schema.invoice_statuses.c.invoice_id)
    .join(inv, inv.c.id == schema.invoice_statuses.c.invoice_id)
    .where(inv.c.customer_id.in_(IDS))
)
BUMP_VERSION = update(results_version).where(results_version.c.id == 1).values(version=results_version.c.version + 1)
FIRST_VERSION = insert(results_version).values(id=1, version=1)
READ_VERSION = select(results_version.c.version).where(results_version.c.id == 1)
KEPT_ACTIVITIES = select(activities.c.uuid, activities.c.id).where(activities.c.customer_id.in_(IDS))
DROP_ACTIVITIES = delete(activities).where(activities.c.customer_id.in_(IDS))
DROP_RESULTS = delete(customer_results).where(customer_results.c.customer_id.in_(IDS))
DROP_SCHEDULE = delete(recompute_schedule).where(recompute_schedule.c.customer_id.in_(IDS))
INSERT_SCHEDULE = insert(recompute_schedule)
INSERT_ACTIVITIES = insert(activities)
INSERT_RESULTS = insert(customer_results)
UPDATE_CUSTOMERS = (
    update(c)
    .where(c.c.id == bindparam("cid"))
    .values(status=bindparam("status"), mrr=bindparam("mrr"), arr=bindparam("arr"), customer_since=bindparam("since"))
)


def load_inputs(conn: Connection, customer_ids: Sequence[int]) -> tuple[list[CustomerInput], dict[str, Plan]]:
    """Everything the engine needs for these customers, in five indexed queries however many customers."""
    ids = {"ids": list(customer_ids)}
    customers = conn.execute(LOAD_CUSTOMERS, ids).all()
    subs: dict[int, list[Subscription]] = {}
    plan_ids: set[int] = set()
    for row in conn.execute(LOAD_SUBSCRIPTIONS, ids):
        if row.plan_id is not None:
            plan_ids.add(row.plan_id)
        subs.setdefault(row.customer_id, []).append(
            Subscription(
                uuid=row.uuid,
                external_id=row.external_id,
                customer_uuid=row.customer_uuid,
                data_source_uuid=row.ds_uuid,
                plan_uuid=row.plan_uuid,
                set_external_id=row.set_external_id,
                cancellation_dates=tuple(sorted(row.cancellation_dates or ())),
                id=row.id,
                connection_key=row.group_key,
            )
        )
    transactions: dict[int, list[Any]] = {}
    for row in conn.execute(LOAD_TRANSACTIONS, ids):
        transactions.setdefault(row.invoice_id, []).append(row)
    rows = conn.execute(LOAD_LINE_ITEMS, ids).all()
    totals: dict[int, int] = {}
    for row in rows:
        totals[row[1]] = totals.get(row[1], 0) + row[7]
    payments = {invoice_id: payment_state(totals.get(invoice_id, 0), txs) for invoice_id, txs in transactions.items()}
    voided = set(conn.execute(LOAD_VOIDED, ids).scalars())
    items: dict[int, list[LineItem]] = {}
    last_invoice, position = None, 0
    # Named columns unpacked by position: the loop runs once per line item of the batch, and attribute access
    # by name on each of twenty columns was most of the processor's per-customer cost.
    for (
        customer_id,
        invoice_id,
        uuid,
        kind,
        plan_id,
        service_period_start,
        service_period_end,
        amount_in_cents,
        tax_amount_in_cents,
        quantity,
        prorated,
        proration_type,
        event_order,
        cancelled_at,
        discount_amount_in_cents,
        discount_code,
        invoice_date,
        currency,
        sub_uuid,
        sub_external_id,
        set_external_id,
        plan_uuid,
        invoice_external_id,
        due_date,
    ) in rows:
        if plan_id is not None:
            plan_ids.add(plan_id)
        position = position + 1 if invoice_id == last_invoice else 0
        last_invoice = invoice_id
        state, refunded, failed_at = payments.get(invoice_id, _NO_TRANSACTIONS)
        start = service_period_start if service_period_start is not None else invoice_date
        items.setdefault(customer_id, []).append(
            LineItem(
                uuid=uuid,
                type=kind,
                subscription_uuid=sub_uuid,
                subscription_external_id=sub_external_id,
                plan_uuid=plan_uuid,
                service_period_start=start,
                service_period_end=service_period_end if service_period_end is not None else start,
                amount_in_cents=amount_in_cents,
                invoice_date=invoice_date,
                currency=currency,
                subscription_set_external_id=set_external_id,
                tax_amount_in_cents=tax_amount_in_cents,
                quantity=quantity,
                prorated=prorated,
                proration_type=proration_type,
                event_order=event_order,
                cancelled_at=cancelled_at,
                discount_amount_in_cents=discount_amount_in_cents,
                discount_code=discount_code,
                paid=state == "paid",
                invoice_state=state,
                refunded=refunded,
                voided=invoice_id in voided,
                past_due_at=past_due_at(state, failed_at, due_date),
                invoice_external_id=invoice_external_id,
                position=position,
            )
        )
    plans = {
        row.uuid: Plan(row.uuid, row.external_id, row.name, row.interval_count, row.interval_unit)
        for row in conn.execute(LOAD_PLANS, {"ids": list(plan_ids)})
    }
    inputs = [
        CustomerInput(
            id=row.id,
            data_source_id=row.data_source_id,
            status=row.status,
            customer=Customer(row.uuid, row.external_id, row.name, row[7], row.country),
            subscriptions=subs.get(row.id, []),
            line_items=items.get(row.id, []),
        )
        for row in customers
    ]
    return inputs, plans


def next_version(conn: Connection) -> int:
    """Bump the account-wide results version; the row lock serialises processors across workers."""
    if not conn.execute(BUMP_VERSION).rowcount:
        conn.execute(FIRST_VERSION)
    return conn.execute(READ_VERSION).scalar_one()


def bare_uuid(value: str) -> str:
    """The customer-subscriptions view shows subscriptions by bare UUID."""
    return value[4:] if value.startswith("sub_") else value


def write_results(
    conn: Connection,
    version: int,
    done: Iterable[tuple[CustomerInput, CustomerResult | None, str | None]],
) -> None:
    """Replace the results of each customer: activities, metrics inputs, subscriptions view, customer row, and
    when time alone next changes them (recompute_schedule)."""
    done = list(done)
    ids = {"ids": [inp.id for inp, _, _ in done]}
    # Unchanged activities keep their row id: list cursors are (date, id) positions, and a recompute must not
    # move an activity a reader has already passed to after the reader's cursor.
    kept_ids = dict(conn.execute(KEPT_ACTIVITIES, ids).all())
    conn.execute(DROP_ACTIVITIES, ids)
    conn.execute(DROP_RESULTS, ids)
    conn.execute(DROP_SCHEDULE, ids)
    schedule_rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    result_rows: list[dict[str, Any]] = []
    customer_rows: list[dict[str, Any]] = []
    for inp, result, error in done:
        if result is None:
            result_rows.append(
                {
                    "customer_id": inp.id,
                    "version": version,
                    "flows": [],
                    "spans": [],
                    "subscriptions": [],
                    "error": error,
                }
            )
            continue
        for act in result.activities:
            activity_rows.append(
                {
                    "uuid": act.uuid,
                    "customer_id": inp.id,
                    "data_source_id": inp.data_source_id,
                    "date": act.at,
                    "type": act.type,
                    "body": orjson.dumps(activity_entry(act)).decode(),
                }
            )
        views = [subscription_entry(view) for view in result.subscriptions]
        result_rows.append(
            {
                "customer_id": inp.id,
                "version": version,
                "flows": [list(f) for f in result.flows],
                "spans": [list(s) for s in result.spans],
                "subscriptions": views,
                "error": None,
            }
        )
        if result.recompute_at is not None:
            schedule_rows.append({"customer_id": inp.id, "due_at": result.recompute_at})
        status = inp.status if result.status == "New Lead" and inp.status in LEAD_STATUSES else result.status
        customer_rows.append(
            {"cid": inp.id, "status": status, "mrr": result.mrr, "arr": result.arr, "since": result.customer_since}
        )
    reused = [row | {"id": kept_ids[row["uuid"]]} for row in activity_rows if row["uuid"] in kept_ids]
    fresh = [row for row in activity_rows if row["uuid"] not in kept_ids]
    if reused:
        conn.execute(INSERT_ACTIVITIES, reused)
    if fresh:
        conn.execute(INSERT_ACTIVITIES, fresh)
    if result_rows:
        conn.execute(INSERT_RESULTS, result_rows)
    if customer_rows:
        conn.execute(UPDATE_CUSTOMERS, customer_rows)
        customer_entries.store(conn, [row["cid"] for row in customer_rows])
    if schedule_rows:
        conn.execute(INSERT_SCHEDULE, schedule_rows)


def engine_settings(
    account_row: Any,
    rates: list[tuple[str, date, float]] | None = None,
    sources: dict[str, SourceSettings] | None = None,
) -> Settings:
    """The engine's settings from the account row (currency, time zone, week start, churn recognition, Smart
    Activity Classification, LTV form), the loaded exchange rates (see fx.py) and the data sources' settings
    (metric_settings.py)."""
    return Settings(
        currency=account_row.currency,
        time_zone=account_row.time_zone,
        week_start=account_row.week_start_on,
        fx_rates=converter(account_row.currency, rates or []),
        data_sources=sources or {},
        **engine_options(account_row.settings),
    )
