"""Data sources: the containers every imported object belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, delete, func, select
from sqlalchemy.exc import IntegrityError

from ...objects import DataSource, field_of
from ..errors import bad_request, invalid, not_found
from ..render import render as render_object
from ..timefmt import now_us
from ..validation import checked, legacy, message
from . import merges, schema
from .database import Database
from .ids import new_uuid
from .schema import customer_results, processing_queue

NOT_FOUND = "Data source not found"
NAME = field_of(DataSource, "name")

# What a new custom source reports under `invoice_handling_setting` (the recorded shape). New subscribers
# need a fully paid first invoice, the default of ChartMogul's "Invoice handling" page (docs/metrics.md).
DEFAULT_INVOICE_HANDLING: dict[str, Any] = {
    mode: {
        "create_subscription_when_invoice_is": "paid",
        "update_subscription_when_invoice_is": "open",
        "prevent_subscription_for_invoice_voided": True,
        "prevent_subscription_for_invoice_refunded": False,
        "prevent_subscription_for_invoice_written_off": True,
    }
    for mode in ("manual", "automatic")
}


@dataclass(frozen=True)
class Detail:
    """The optional blocks a list or retrieve adds when its `with_*` flag is true."""

    processing_status: bool = False
    auto_churn_subscription_setting: bool = False
    invoice_handling_setting: bool = False


def render(row: Row[Any], detail: Detail = Detail()) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uuid": row.uuid,
        "name": row.name,
        "system": row.system,
        "created_at": row.created_at,
        "status": "working" if row.pending else "idle",
    }
    if detail.processing_status:
        values["processing_status"] = {"processed": row.processed, "failed": row.failed, "pending": row.pending}
    if detail.auto_churn_subscription_setting:
        values["auto_churn_subscription_setting"] = {
            "enabled": row.auto_churn_enabled,
            "interval": row.auto_churn_interval,
        }
    if detail.invoice_handling_setting:
        values["invoice_handling_setting"] = row.invoice_handling
    return render_object(DataSource, values)


def _with_pending(query: Select[Any]) -> Select[Any]:
    """Add the processing counts, all derived (no counter to drift): `pending` customers waiting in the queue
    (the source is `working` while any are), `processed` and `failed` customers with computed results."""
    ds, q, r, c = schema.data_sources, processing_queue, customer_results, schema.customers
    pending = select(func.count()).where(q.c.data_source_id == ds.c.id).scalar_subquery()
    computed = (
        select(func.count()).select_from(r.join(c, c.c.id == r.c.customer_id)).where(c.c.data_source_id == ds.c.id)
    )
    processed = computed.where(r.c.error.is_(None)).scalar_subquery()
    failed = computed.where(r.c.error.is_not(None)).scalar_subquery()
    return query.add_columns(pending.label("pending"), processed.label("processed"), failed.label("failed"))


class DataSources:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(
        self, *, name: str | None = None, system: str | None = None, detail: Detail = Detail()
    ) -> list[dict[str, Any]]:
        t = schema.data_sources
        query = _with_pending(select(t)).order_by(t.c.created_at.desc(), t.c.id.desc())
        if name is not None:
            query = query.where(t.c.name == name)
        if system is not None:
            # ChartMogul's examples filter with both `stripe` and `Custom`: match case-insensitively. Not
            # ILIKE: `%` and `_` in the value would be wildcards, and a trailing `\` an error on PostgreSQL.
            query = query.where(func.lower(t.c.system) == func.lower(system))
        with self.db.read() as conn:
            return [render(row, detail) for row in conn.execute(query)]

    def get(self, uuid: str, detail: Detail = Detail()) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(
                _with_pending(select(schema.data_sources)).where(schema.data_sources.c.uuid == uuid)
            ).first()
        if row is None:
            raise not_found(NOT_FOUND)
        return render(row, detail)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        if NAME.name not in body:  # absent is a missing parameter (400); null or blank a refused value (422)
            raise bad_request(f'Parameter "{NAME.name}" is missing', NAME.name)
        parsed = checked(DataSource, body, "create", legacy)
        values = {
            "uuid": new_uuid("ds_"),
            "name": parsed["name"],
            "system": parsed.get("system") or "Custom",
            "created_at": now_us(),
            "auto_churn_enabled": False,
            "auto_churn_interval": None,
            "invoice_handling": DEFAULT_INVOICE_HANDLING,
        }
        try:
            with self.db.begin() as conn:
                conn.execute(schema.data_sources.insert().values(**values))
                row = conn.execute(
                    _with_pending(select(schema.data_sources)).where(schema.data_sources.c.uuid == values["uuid"])
                ).one()
        except IntegrityError as exc:
            raise invalid({"name": message(NAME, "taken")}) from exc
        return render(row)

    def empty(self, uuid: str) -> None:
        """`DELETE /data_sources/{uuid}/all`: remove everything imported through the source, keep the source.
        Invoices cascade to their line items and transactions."""
        with self.db.begin() as conn:
            ds_id = conn.execute(select(schema.data_sources.c.id).where(schema.data_sources.c.uuid == uuid)).scalar()
            if ds_id is None:
                raise not_found(NOT_FOUND)
            merges.forget_source(conn, ds_id, uuid)
            tables = (
                schema.invoices,
                schema.subscriptions,
                schema.subscription_events,
                schema.merged_customers,
                schema.customers,
                schema.plans,
            )
            for table in tables:
                conn.execute(delete(table).where(table.c.data_source_id == ds_id))

    def delete(self, uuid: str) -> None:
        # Everything imported through the source goes with it (ON DELETE CASCADE).
        with self.db.begin() as conn:
            ds_id = conn.execute(select(schema.data_sources.c.id).where(schema.data_sources.c.uuid == uuid)).scalar()
            if ds_id is None:
                raise not_found(NOT_FOUND)
            merges.forget_source(conn, ds_id, uuid)
            conn.execute(delete(schema.data_sources).where(schema.data_sources.c.id == ds_id))
