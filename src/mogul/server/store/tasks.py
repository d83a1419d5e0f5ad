"""Tasks: to-dos about a customer. The key is `task_uuid`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert

from ...objects import Task
from ..pagination import Page, PageParams
from ..validation import Values
from . import schema
from .crm import CrmStore, Filters, Owner, flag_filter, instant_filter, sent

t = schema.tasks
DETAILS = ("task_details", "assignee", "due_date")


class Tasks(CrmStore):
    cls = Task
    table = t
    noun = "Task"
    param = "task_uuid"
    associable = True

    def _values(self, row: Row[Any]) -> dict[str, Any]:
        m = row._mapping
        names = ("customer_uuid", *DETAILS, "completed_at", "created_at", "updated_at")
        values = {"task_uuid": m["uuid"], **{name: m[name] for name in names}}
        if m["contact_uuid"] is not None:  # a contact's task says so; a customer's has the recorded shape
            values.update(self.associated(row))
        return values

    def list(self, filters: Filters, params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        """Filters `customer_uuid`, `contact_uuid`, `assignee`, `due_date_on_or_after`/`_on_or_before` (a bare day
        counts whole), `completed` (true: completed, false: open)."""
        where = [*self.by_customer(filters), *self.by_contact(filters), *self.equal(filters, "assignee")]
        if (first := instant_filter(filters, "due_date_on_or_after")) is not None:
            where.append(t.c.due_date >= first)
        if (last := instant_filter(filters, "due_date_on_or_before", end_of_day=True)) is not None:
            where.append(t.c.due_date <= last)
        if (completed := flag_filter(filters, "completed")) is not None:
            where.append(t.c.completed_at.is_not(None) if completed else t.c.completed_at.is_(None))
        return self.page(params, where)

    def _insert(self, conn: Connection, owner: Owner, values: Values, now: int, **_: Any) -> int:
        row = {
            **sent(values, (*DETAILS, "completed_at")),
            "uuid": self.new_uuid(),
            "customer_id": owner.customer.id,
            "contact_id": owner.contact_id,
            "created_at": now,
            "updated_at": now,
        }
        return conn.execute(insert(t).values(**row)).inserted_primary_key[0]  # type: ignore[index]

    def _changes(self, conn: Connection, row: Row[Any], values: Values, now: int, **_: Any) -> dict[str, Any]:
        # A null `completed_at` reopens the task; the required fields keep their values when sent null.
        changes = {k: v for k, v in sent(values, DETAILS).items() if v is not None}
        if "completed_at" in values:
            changes["completed_at"] = values["completed_at"]
        return {**changes, "updated_at": now}
