"""Merging customers and splitting them again (`POST /v1/customers/merges`, `/unmerges`).

A customer is one or more identities, (data source, external id) pairs: its own, and those in `merged_ids`.
Every invoice belongs to one of them. An invoice's identity is the default for its data source (the customer's
own for its own source, else the first identity merged from that source) unless `merged_invoices` names another;
a merge writes those rows for the invoices it moves, so an unmerge can tell apart two identities of one source.
A merge also keeps the merged customer's profile in `merged_customers`, for the unmerge to restore.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, String, cast, delete, insert, or_, select, update

from ...objects import Customer, fields
from ..errors import invalid
from ..processing import enqueue
from ..timefmt import now_us
from . import attributes as attrs
from . import connections, customer_entries, schema
from .ids import new_uuid

c = schema.customers
ds = schema.data_sources
inv = schema.invoices
li = schema.line_items
tx = schema.transactions
sub = schema.subscriptions
mc = schema.merged_customers
mi = schema.merged_invoices

# Profile columns an unmerged customer gets back: what a PATCH may change (its identity aside), and its
# attributes and age.
PROFILE = (
    *(f.attr for f in fields(Customer, "update") if f.attr in c.columns and f.attr not in ("external_id", "status")),
    *("tags", "custom", "created_at"),
)
BLANK_PROFILE = {"name": "", "email": "", "company": "", "tags": [], "custom": {}}
# What ChartMogul's unmerge can take along (its CRM objects, which mogul does not have).
MOVABLE = ("tasks", "opportunities", "notes")
NOT_MERGED = "No customer with this data source and external ID is merged into this customer."


def merge(conn: Connection, src: Row[Any], dst: Row[Any]) -> None:
    """Fold `src` into `dst`: its rows, identities, tags and custom attributes. Raises IntegrityError when both
    have a subscription with the same external id in one data source."""
    owners = invoice_owners(conn, src)
    have = set(conn.execute(select(mi.c.invoice_id).where(mi.c.invoice_id.in_(owners))).scalars()) if owners else set()
    rows = [{"invoice_id": i, "external_id": ext} for i, (_, ext) in owners.items() if i not in have]
    if rows:
        conn.execute(insert(mi), rows)
    for table in (inv, li, tx, sub, *schema.CRM_TABLES):  # contacts, notes, opportunities, tasks move too
        conn.execute(update(table).where(table.c.customer_id == src.id).values(customer_id=dst.id))
    conn.execute(update(mc).where(mc.c.customer_id == src.id).values(customer_id=dst.id))
    profile = {key: getattr(src, key) for key in PROFILE}
    conn.execute(
        insert(mc).values(
            customer_id=dst.id, data_source_id=src.data_source_id, external_id=src.external_id, profile=profile
        )
    )
    conn.execute(
        update(c)
        .where(c.c.id == dst.id)
        .values(
            merged_ids=[*dst.merged_ids, [src.ds_uuid, src.external_id], *src.merged_ids],
            tags=attrs.add_tags(dst.tags, src.tags),
            custom={**src.custom, **dst.custom},
        )
    )
    conn.execute(delete(c).where(c.c.id == src.id))
    customer_entries.store(conn, [dst.id])
    enqueue(conn, [(dst.id, dst.data_source_id)])


def unmerge(conn: Connection, customer: Row[Any], ds_uuid: str, external_id: str) -> str:
    """Split the identity (ds_uuid, external_id) out of `customer` as a customer of its own, with its invoices,
    their line items, transactions and subscriptions; both are recomputed. Returns the new customer's uuid.
    Raises IntegrityError when that identity exists again as a customer of its own."""
    pair = [ds_uuid, external_id]
    if pair not in customer.merged_ids:
        raise invalid({"external_id": NOT_MERGED})
    ds_id = conn.execute(select(ds.c.id).where(ds.c.uuid == ds_uuid)).scalar()
    if ds_id is None:
        raise invalid({"data_source_uuid": "Data source not found"})
    moved = [i for i, owner in invoice_owners(conn, customer).items() if owner == (ds_id, external_id)]
    kept = conn.execute(
        select(mc.c.id, mc.c.profile).where(
            mc.c.customer_id == customer.id, mc.c.data_source_id == ds_id, mc.c.external_id == external_id
        )
    ).first()
    profile = {**BLANK_PROFILE, **(kept.profile if kept else {})}
    values = {key: profile.get(key) for key in PROFILE} | {
        "uuid": new_uuid("cus_"),
        "data_source_id": ds_id,
        "external_id": external_id,
        "merged_ids": [],
        "status": "New Lead",
        "mrr": 0,
        "arr": 0,
        "customer_since": None,
    }
    values["created_at"] = values["created_at"] or now_us()
    new_id = conn.execute(insert(c).returning(c.c.id), values).scalar_one()
    if moved:
        _move_invoices(conn, customer.id, new_id, moved)
    if kept:
        conn.execute(delete(mc).where(mc.c.id == kept.id))
    remaining = [p for p in customer.merged_ids if p != pair]
    conn.execute(update(c).where(c.c.id == customer.id).values(merged_ids=remaining))
    customer_entries.store(conn, [customer.id, new_id])
    enqueue(conn, [(customer.id, customer.data_source_id), (new_id, ds_id)])
    return values["uuid"]


def _move_invoices(conn: Connection, old_id: int, new_id: int, moved: list[int]) -> None:
    sub_ids = set(
        conn.execute(select(li.c.subscription_id).where(li.c.invoice_id.in_(moved), li.c.subscription_id.is_not(None)))
        .scalars()
        .all()
    )
    for table in (li, tx):
        conn.execute(update(table).where(table.c.invoice_id.in_(moved)).values(customer_id=new_id))
    conn.execute(update(inv).where(inv.c.id.in_(moved)).values(customer_id=new_id))
    # Now the new customer's own: the default needs no row.
    conn.execute(delete(mi).where(mi.c.invoice_id.in_(moved)))
    if not sub_ids:
        return
    shared = set(
        conn.execute(
            select(li.c.subscription_id).where(li.c.subscription_id.in_(sub_ids), li.c.customer_id == old_id)
        ).scalars()
    )
    whole = sub_ids - shared
    if whole:
        conn.execute(update(sub).where(sub.c.id.in_(whole)).values(customer_id=new_id))
    # A subscription both identities imported into (possible only after the merge) is split in two.
    for row in conn.execute(select(sub).where(sub.c.id.in_(shared))).mappings().all():
        copy = {k: v for k, v in row.items() if k != "id"} | {"uuid": new_uuid("sub_"), "customer_id": new_id}
        copy_id = conn.execute(insert(sub).returning(sub.c.id), copy).scalar_one()
        conn.execute(
            update(li)
            .where(li.c.subscription_id == row["id"], li.c.customer_id == new_id)
            .values(subscription_id=copy_id)
        )
    # Connections do not reach across customers.
    connections.leave(conn, [*whole, *shared], keep_within=new_id)


def invoice_owners(conn: Connection, customer: Row[Any]) -> dict[int, tuple[int, str]]:
    """Each invoice of the customer -> its identity, (data source id, customer external id)."""
    defaults = {customer.data_source_id: customer.external_id}
    uuids = [d for d, _ in customer.merged_ids]
    if uuids:
        ids = dict(conn.execute(select(ds.c.uuid, ds.c.id).where(ds.c.uuid.in_(uuids))).all())
        for d, ext in customer.merged_ids:
            if d in ids:
                defaults.setdefault(ids[d], ext)
    rows = conn.execute(
        select(inv.c.id, inv.c.data_source_id, mi.c.external_id)
        .outerjoin(mi, mi.c.invoice_id == inv.c.id)
        .where(inv.c.customer_id == customer.id)
    )
    return {i: (d, ext if ext is not None else defaults.get(d, customer.external_id)) for i, d, ext in rows}


def forget_source(conn: Connection, ds_id: int, ds_uuid: str) -> None:
    """Before a data source is deleted or emptied. Its customers give back the identities merged into them from
    other sources (unmerged, so what was imported through those sources survives). Customers of other sources
    that hold its identities or invoices lose them, and are recomputed, so their MRR no longer counts its data."""
    _release_merged(conn, ds_id, ds_uuid)
    holders = select(inv.c.customer_id).where(inv.c.data_source_id == ds_id).distinct()
    # JSON containment differs between SQLite and PostgreSQL; the uuid as text is precise enough to narrow down.
    mentions = cast(c.c.merged_ids, String).contains(ds_uuid)
    rows = conn.execute(
        select(c.c.id, c.c.data_source_id, c.c.merged_ids).where(
            c.c.data_source_id != ds_id, or_(c.c.id.in_(holders), mentions)
        )
    ).all()
    changed = []
    for row in rows:
        kept = [pair for pair in row.merged_ids if pair[0] != ds_uuid]
        if kept != row.merged_ids:
            conn.execute(update(c).where(c.c.id == row.id).values(merged_ids=kept))
            changed.append(row.id)
    customer_entries.store(conn, changed)
    enqueue(conn, [(row.id, row.data_source_id) for row in rows])


def _release_merged(conn: Connection, ds_id: int, ds_uuid: str) -> None:
    own = select(c.c.id, c.c.data_source_id, c.c.external_id, c.c.merged_ids)
    for row in conn.execute(own.where(c.c.data_source_id == ds_id, cast(c.c.merged_ids, String) != "[]")).all():
        holder = row
        for other_ds, external_id in row.merged_ids:
            if other_ds == ds_uuid:
                continue
            # Left to go with the source when the identity exists again as a customer of its own.
            again = select(c.c.id).join(ds, ds.c.id == c.c.data_source_id)
            if conn.execute(again.where(ds.c.uuid == other_ds, c.c.external_id == external_id)).first():
                continue
            unmerge(conn, holder, other_ds, external_id)
            holder = conn.execute(own.where(c.c.id == row.id)).one()
