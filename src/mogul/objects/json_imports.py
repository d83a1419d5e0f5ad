"""The bulk JSON import: one request of a data source's customers, plans, invoices, line items, transactions and
subscription events, imported in the background as a job whose status and per-object outcome the client polls.
How the arrays name one another is mogul's reading of the docs (docs/server.md, "Bulk JSON import")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from .base import OPTIONAL, ApiObject, Format, Out, field


def _records(doc: str) -> Any:
    # No count of its own: the server's request limits cap every array (`max_array_items`) and the body.
    return field(create=OPTIONAL, out=Out.NEVER, doc=doc)


class JsonImport(ApiObject):
    id: str = field(pattern="^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    data_source_uuid: str = field(doc="The source's UUID without its `ds_` prefix, as ChartMogul answers it.")
    status: Literal["queued", "processing", "completed", "failed"] = field(
        doc="`queued`, `processing` while it runs, then `completed` (each object's outcome is in `status_details`), "
        "or `failed` when the job itself could not run."
    )
    external_id: str | None = field(create=OPTIONAL, max_length=255, doc="The client's name for the import.")
    status_details: dict[str, Any] = field(
        doc="`plans` and one entry per customer external id: `status` (`imported`, `failed`, or `queued` before "
        "the job runs), `errors` when some object failed, and the customer's `invoices` and `subscription_events`."
    )
    created_at: datetime = field(fmt=Format.TIMESTAMP)
    updated_at: datetime = field(fmt=Format.TIMESTAMP)
    customers: list[dict[str, Any]] | None = _records("As `POST /customers` takes them (no `data_source_uuid`).")
    plans: list[dict[str, Any]] | None = _records("As `POST /plans` takes them (no `data_source_uuid`).")
    invoices: list[dict[str, Any]] | None = _records(
        "As the invoice import takes them, each naming its customer by `customer_external_id`."
    )
    line_items: list[dict[str, Any]] | None = _records(
        "Line items, each naming its invoice by `invoice_external_id` (and its plan by `plan_uuid` or "
        "`plan_external_id`); an invoice may also carry its own."
    )
    transactions: list[dict[str, Any]] | None = _records(
        "Transactions, each naming its invoice by `invoice_external_id`."
    )
    subscription_events: list[dict[str, Any]] | None = _records(
        "As `POST /subscription_events` takes them (no `data_source_uuid`)."
    )
