"""Customer notes and call logs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert

from ...objects import CustomerNote, Note
from ..errors import bad_request
from ..pagination import Page, PageParams
from ..validation import Values
from . import schema
from .crm import CrmStore, Filters, Owner

t = schema.customer_notes
TYPES = ("note", "call")
# A call logged without a duration lasts a minute, as recorded; a note has none.
DEFAULT_CALL_SECONDS = 60


def author(email: str | None, key_name: str) -> str:
    """`<name> (<email>)` as ChartMogul writes it. mogul has no user accounts: the name is the email's local part,
    and without an `author_email` the author is the API key that wrote the note."""
    if email:
        return f"{email.partition('@')[0]} ({email})"
    return f"{key_name} (API key)"


class CustomerNotes(CrmStore):
    cls = CustomerNote
    table = t
    noun = "Note"
    param = "note_uuid"
    prefix = "note_"
    associable = True

    def _values(self, row: Row[Any]) -> dict[str, Any]:
        m = row._mapping
        names = ("uuid", "customer_uuid", "type", "text", "call_duration", "author", "created_at", "updated_at")
        return {name: m[name] for name in names}

    def list(self, filters: Filters, params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        """Filters `customer_uuid`, `contact_uuid`, `type` (`note`, `call`), `author_email`."""
        kind = filters.get("type")
        if kind is not None and kind not in TYPES:
            raise bad_request("type must be note or call", "type")
        where = [*self.by_customer(filters), *self.by_contact(filters), *self.equal(filters, "type", "author_email")]
        return self.page(params, where)

    def _insert(self, conn: Connection, owner: Owner, values: Values, now: int, **context: Any) -> int:
        kind = values["type"]
        duration = values.get("call_duration")
        if duration is None:
            duration = DEFAULT_CALL_SECONDS if kind == "call" else 0
        created = values.get("created_at") or now
        row = {
            "uuid": self.new_uuid(),
            "customer_id": owner.customer.id,
            "contact_id": owner.contact_id,
            "type": kind,
            "text": values.get("text") or "",
            "call_duration": duration,
            "author_email": values.get("author_email"),
            "author": author(values.get("author_email"), context.get("key_name", "")),
            "created_at": created,
            "updated_at": created,
        }
        return conn.execute(insert(t).values(**row)).inserted_primary_key[0]  # type: ignore[index]

    def _changes(self, conn: Connection, row: Row[Any], values: Values, now: int, **context: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {"updated_at": values.get("updated_at") or now}
        if "text" in values:
            changes["text"] = values["text"] or ""
        if values.get("call_duration") is not None:
            changes["call_duration"] = values["call_duration"]
        if values.get("created_at") is not None:
            changes["created_at"] = values["created_at"]
        if values.get("author_email") is not None:
            changes["author_email"] = values["author_email"]
            changes["author"] = author(values["author_email"], context.get("key_name", ""))
        return changes


class Notes(CustomerNotes):
    """`/v1/notes`: the same notes, each saying what it is attached to (`associated_object`)."""

    cls = Note

    def _values(self, row: Row[Any]) -> dict[str, Any]:
        return {**super()._values(row), **self.associated(row)}
