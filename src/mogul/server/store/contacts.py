"""Contacts: the people at a customer, and merging two of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, select, update

from ...objects import Contact
from ...objects.base import field_of
from ..errors import coded
from ..pagination import Page, PageParams
from ..validation import Values
from . import schema
from .crm import CrmStore, Filters, Owner, custom_values, customer_row, sent, text_filter
from .ids import new_uuid

t = schema.contacts
c = schema.customers
ds = schema.data_sources

POSITION_MAX = field_of(Contact, "position").maximum
PROFILE = ("external_id", "first_name", "last_name", "title", "email", "phone", "linked_in", "twitter", "notes")
# Kept from the contact merged into unless it has none; `notes` are joined instead.
MERGED_FROM_EITHER = tuple(name for name in PROFILE if name != "notes")


def _blank(value: Any) -> bool:
    return value is None or value == ""


def primary_contact(conn: Connection, customer_id: int, data_source_id: int, values: Values, now: int) -> None:
    """A customer's `primary_contact`: its first contact, by position, gets the fields sent;
    a customer without one gets a new contact of its own data source."""
    first = conn.execute(
        select(t.c.id).where(t.c.customer_id == customer_id).order_by(t.c.position, t.c.id).limit(1)
    ).scalar()
    if first is not None:
        if values:
            conn.execute(update(t).where(t.c.id == first).values(**values))
        return
    conn.execute(
        insert(t).values(
            uuid=new_uuid("con_"),
            customer_id=customer_id,
            data_source_id=data_source_id,
            position=1,
            custom={},
            last_seen=None,
            created_at=now,
            **{name: values.get(name) for name in PROFILE},
        )
    )


class Contacts(CrmStore):
    cls = Contact
    table = t
    noun = "Contact"
    param = "contact_uuid"
    prefix = "con_"

    def _query(self) -> Select[Any]:
        return (
            select(
                t,
                c.c.uuid.label("customer_uuid"),
                c.c.external_id.label("customer_external_id"),
                ds.c.uuid.label("data_source_uuid"),
            )
            .join(c, c.c.id == t.c.customer_id)
            .join(ds, ds.c.id == t.c.data_source_id)
        )

    def _values(self, row: Row[Any]) -> dict[str, Any]:
        m = row._mapping
        values = {
            "uuid": m["uuid"],
            "customer_uuid": m["customer_uuid"],
            "customer_external_id": m["customer_external_id"],
            "data_source_uuid": m["data_source_uuid"],
            "position": m["position"],
            "custom": m["custom"],
            **{name: m[name] for name in PROFILE},
        }
        if m["last_seen"] is not None:
            values["last_seen"] = m["last_seen"]
        return values

    def list(self, filters: Filters, params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        """Filters `customer_uuid`, `data_source_uuid`, `email`, `customer_external_id` (all that are given)."""
        where = [*self.by_customer(filters), *self.equal(filters, "email")]
        if (source := text_filter(filters, "data_source_uuid")) is not None:
            where.append(ds.c.uuid == source)
        if (external_id := text_filter(filters, "customer_external_id")) is not None:
            where.append(c.c.external_id == external_id)
        return self.page(params, where)

    def list_of_customer(
        self, customer_uuid: str, _filters: Filters, params: PageParams
    ) -> tuple[Page, list[dict[str, Any]]]:
        """`GET /customers/{uuid}/contacts`: the customer's contacts; 404 for an unknown customer."""
        with self.db.read() as conn:
            customer_row(conn, customer_uuid, 404)
        return self.list({"customer_uuid": customer_uuid}, params)

    def _source_id(self, conn: Connection, customer: Row[Any], uuid: str) -> int:
        """The id of data source `uuid`, which must be one of the customer's (its own, or one merged into it)."""
        found = conn.execute(select(ds.c.id).where(ds.c.uuid == uuid)).scalar()
        if found is None:
            raise coded(422, f'Data source "{uuid.removeprefix("ds_")}" does not exist', "data_source_uuid")
        merged = {pair[0] for pair in customer.merged_ids or []}
        if found != customer.data_source_id and uuid not in merged:
            raise coded(422, "The data source is not one of the customer's.", "data_source_uuid")
        return found

    def _insert(self, conn: Connection, owner: Owner, values: Values, now: int, **_: Any) -> int:
        customer = owner.customer
        position = values.get("position")
        if position is None:
            highest = conn.execute(select(func.max(t.c.position)).where(t.c.customer_id == customer.id)).scalar()
            # One more than the highest, within the declared bound: a customer whose last contact sits at the
            # bound gets a second contact there rather than a position no client can send back.
            position = min((highest or 0) + 1, POSITION_MAX)
        row = {
            "uuid": self.new_uuid(),
            "customer_id": customer.id,
            "data_source_id": self._source_id(conn, customer, values["data_source_uuid"]),
            "position": position,
            "custom": custom_values(values.get("custom")),
            "last_seen": values.get("last_seen"),
            "created_at": now,
            **{name: values.get(name) for name in PROFILE},
        }
        return conn.execute(insert(t).values(**row)).inserted_primary_key[0]  # type: ignore[index]

    def _changes(self, conn: Connection, row: Row[Any], values: Values, now: int, **_: Any) -> dict[str, Any]:
        changes = sent(values, (*PROFILE, "last_seen"))
        if values.get("position") is not None:
            changes["position"] = values["position"]
        if "custom" in values:
            changes["custom"] = custom_values(values["custom"], row.custom)
        if values.get("data_source_uuid") is not None:
            customer = customer_row(conn, row.customer_uuid)
            changes["data_source_id"] = self._source_id(conn, customer, values["data_source_uuid"])
        return changes

    def merge(self, into_uuid: str, _body: dict[str, Any], *, from_uuid: str) -> dict[str, Any]:
        """`POST /contacts/{into}/merge/{from}`: fold `from` into `into` and delete `from`. Answers the merged
        contact with `customer_uuid` null, as every recording does."""
        with self.db.begin() as conn:
            into = self._row(conn, into_uuid)
            source = self._row(conn, from_uuid)
            if into.id == source.id:
                raise coded(422, "A contact cannot be merged into itself.", "from_uuid")
            changes: dict[str, Any] = {
                name: getattr(source, name)
                for name in (*MERGED_FROM_EITHER, "last_seen")
                if _blank(getattr(into, name)) and not _blank(getattr(source, name))
            }
            if not _blank(source.notes):
                changes["notes"] = source.notes if _blank(into.notes) else f"{into.notes} {source.notes}"
            changes["custom"] = {**source.custom, **into.custom}
            conn.execute(update(t).where(t.c.id == into.id).values(**changes))
            for attached in (schema.customer_notes, schema.tasks):  # the merged contact's notes and tasks stay
                moved = update(attached).where(attached.c.contact_id == source.id)
                conn.execute(moved.values(contact_id=into.id, customer_id=into.customer_id))
            conn.execute(delete(t).where(t.c.id == source.id))
            merged = self._render(conn.execute(self._query().where(t.c.id == into.id)).one())
        merged["customer_uuid"] = None
        return merged
