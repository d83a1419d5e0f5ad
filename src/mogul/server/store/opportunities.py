"""Opportunities: deals in a sales pipeline, with custom fields."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert

from ...objects import Opportunity
from ..pagination import Page, PageParams
from ..validation import Values
from . import schema
from .crm import CrmStore, Filters, Owner, custom_values, customer_row, day_filter, sent

t = schema.opportunities
PLAIN = ("owner", "pipeline", "pipeline_stage", "amount_in_cents", "type", "forecast_category", "win_likelihood")
DEFAULTS = {"type": "recurring", "forecast_category": "pipeline", "win_likelihood": 0}


class Opportunities(CrmStore):
    cls = Opportunity
    table = t
    noun = "Opportunity"
    param = "opportunity_uuid"

    def _values(self, row: Row[Any]) -> dict[str, Any]:
        m = row._mapping
        names = ("uuid", "customer_uuid", *PLAIN[:3], "estimated_close_date", "currency", *PLAIN[3:], "custom")
        return {name: m[name] for name in (*names, "created_at", "updated_at")}

    def list(self, filters: Filters, params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        """Filters `customer_uuid`, `owner`, `pipeline`, `pipeline_stage`, and the estimated close date's range
        `estimated_close_date_on_or_after`/`_on_or_before` (days, inclusive)."""
        where = [*self.by_customer(filters), *self.equal(filters, "owner", "pipeline", "pipeline_stage")]
        if (first := day_filter(filters, "estimated_close_date_on_or_after")) is not None:
            where.append(t.c.estimated_close_date >= first.isoformat())
        if (last := day_filter(filters, "estimated_close_date_on_or_before")) is not None:
            where.append(t.c.estimated_close_date <= last.isoformat())
        return self.page(params, where)

    def _insert(self, conn: Connection, owner: Owner, values: Values, now: int, **_: Any) -> int:
        customer = owner.customer
        row = {
            **DEFAULTS,
            **{k: v for k, v in sent(values, PLAIN).items() if v is not None},
            "uuid": self.new_uuid(),
            "customer_id": customer.id,
            "estimated_close_date": values["estimated_close_date"].isoformat(),
            "currency": values["currency"].upper(),
            "custom": custom_values(values.get("custom")),
            "created_at": now,
            "updated_at": now,
        }
        return conn.execute(insert(t).values(**row)).inserted_primary_key[0]  # type: ignore[index]

    def _changes(self, conn: Connection, row: Row[Any], values: Values, now: int, **_: Any) -> dict[str, Any]:
        # Every field is required on create: a null in a PATCH leaves it as it is.
        changes: dict[str, Any] = {k: v for k, v in sent(values, PLAIN).items() if v is not None}
        changes["updated_at"] = now
        if values.get("estimated_close_date") is not None:
            changes["estimated_close_date"] = values["estimated_close_date"].isoformat()
        if values.get("currency") is not None:
            changes["currency"] = values["currency"].upper()
        if "custom" in values:
            changes["custom"] = custom_values(values["custom"], row.custom)
        if values.get("customer_uuid") is not None:
            changes["customer_id"] = customer_row(conn, values["customer_uuid"]).id
        return changes
