"""The Import API: invoices, transactions and imported subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from ..models import (
    ImportedInvoice,
    Invoice,
    LineItem,
    OneTimeLineItem,
    Subscription,
    SubscriptionLineItem,
    Transaction,
)
from ..pagination import Listing
from ..requester import Requester
from .data_sources import _segment


class Invoices:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def import_(self, customer_uuid: str, invoices: Sequence[dict[str, Any]]) -> list[ImportedInvoice]:
        """Import a batch of invoices (the API's own JSON) for one customer; all or nothing."""
        body = self._t.request(
            "POST", f"/v1/import/customers/{_segment(customer_uuid)}/invoices", json={"invoices": list(invoices)}
        )
        return [ImportedInvoice(item) for item in body["invoices"]]

    def list(
        self,
        *,
        customer_uuid: str | None = None,
        data_source_uuid: str | None = None,
        external_id: str | None = None,
        per_page: int = 200,
    ) -> Listing[Invoice]:
        params = {"customer_uuid": customer_uuid, "data_source_uuid": data_source_uuid, "external_id": external_id}
        return Listing(self._t, "/v1/invoices", Invoice, key="invoices", params=params, per_page=per_page)

    def retrieve(self, uuid: str) -> Invoice:
        return Invoice(self._t.request("GET", f"/v1/invoices/{_segment(uuid)}"))

    def delete(self, uuid: str) -> None:
        self._t.request("DELETE", f"/v1/invoices/{_segment(uuid)}")

    def update_status(self, data_source_uuid: str, external_id: str, status: str) -> None:
        """Void an invoice (`voided`) or write it off (`written_off`), named by its data source and external id."""
        path = f"/v1/data_sources/{_segment(data_source_uuid)}/invoices/{_segment(external_id)}/status"
        self._t.request("PUT", path, json={"status": status})

    def disable(self, uuid: str, *, disabled: bool = True) -> Invoice:
        """Disable an invoice, or enable it again (`disabled=False`). The API disables only the invoices of
        automatic data sources (Stripe, Chargebee...): for the others it refuses, a `ValidationError`."""
        path = f"/v1/invoices/{_segment(uuid)}/disabled_state"
        return Invoice(self._t.request("PATCH", path, json={"disabled": disabled}))

    def disable_by_external_id(self, data_source_uuid: str, external_id: str, *, disabled: bool = True) -> Invoice:
        params = {"data_source_uuid": data_source_uuid, "external_id": external_id}
        body = self._t.request("PATCH", "/v1/invoices/disabled_state", params=params, json={"disabled": disabled})
        return Invoice(body)

    def delete_by_external_id(self, data_source_uuid: str, external_id: str) -> None:
        params = {"data_source_uuid": data_source_uuid, "external_id": external_id}
        self._t.request("DELETE", "/v1/invoices", params=params)

    def update(self, uuid: str, **fields: Any) -> Invoice:
        """Change an invoice's `date`, `due_date`, `currency` or `collection_method` (`automatic`, `manual`)."""
        return Invoice(self._t.request("PATCH", f"/v1/invoices/{_segment(uuid)}", json=fields))

    def update_by_external_id(self, data_source_uuid: str, external_id: str, **fields: Any) -> Invoice:
        params = {"data_source_uuid": data_source_uuid, "external_id": external_id}
        return Invoice(self._t.request("PATCH", "/v1/invoices", params=params, json=fields))

    def delete_all(self, data_source_uuid: str, customer_uuid: str) -> None:
        path = f"/v1/data_sources/{_segment(data_source_uuid)}/customers/{_segment(customer_uuid)}/invoices"
        self._t.request("DELETE", path)


R = TypeVar("R")


class _Records(Generic[R]):
    """Retrieve, change, delete and disable one record at `/v1/{path}`: by uuid, or by its data source's uuid and
    its external id. The API disables only automatic data sources' records: for the others it refuses, a
    `ValidationError`."""

    path = ""

    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def _one(self, body: Any) -> R:
        raise NotImplementedError

    def _call(self, method: str, target: str | tuple[str, str], suffix: str = "", **kw: Any) -> Any:
        if isinstance(target, str):
            return self._t.request(method, f"/v1/{self.path}/{_segment(target)}{suffix}", **kw)
        params = {"data_source_uuid": target[0], "external_id": target[1]}
        return self._t.request(method, f"/v1/{self.path}{suffix}", params=params, **kw)

    def retrieve(self, uuid: str) -> R:
        return self._one(self._call("GET", uuid))

    def retrieve_by_external_id(self, data_source_uuid: str, external_id: str) -> R:
        return self._one(self._call("GET", (data_source_uuid, external_id)))

    def update(self, uuid: str, **fields: Any) -> R:
        return self._one(self._call("PATCH", uuid, json=fields))

    def update_by_external_id(self, data_source_uuid: str, external_id: str, **fields: Any) -> R:
        return self._one(self._call("PATCH", (data_source_uuid, external_id), json=fields))

    def delete(self, uuid: str) -> None:
        self._call("DELETE", uuid)

    def delete_by_external_id(self, data_source_uuid: str, external_id: str) -> None:
        self._call("DELETE", (data_source_uuid, external_id))

    def disable(self, uuid: str, *, disabled: bool = True) -> R:
        return self._one(self._call("PATCH", uuid, "/disabled_state", json={"disabled": disabled}))

    def disable_by_external_id(self, data_source_uuid: str, external_id: str, *, disabled: bool = True) -> R:
        target = (data_source_uuid, external_id)
        return self._one(self._call("PATCH", target, "/disabled_state", json={"disabled": disabled}))


class Transactions(_Records[Transaction]):
    """`update` takes any of `type`, `date`, `result`, `amount_in_cents`, `transaction_fees_in_cents`,
    `transaction_fees_currency`."""

    path = "transactions"

    def _one(self, body: Any) -> Transaction:
        return Transaction(body)

    def create(self, invoice_uuid: str, *, type: str, date: datetime | str, result: str, **fields: Any) -> Transaction:
        body = {"type": type, "date": date, "result": result, **fields}
        path = f"/v1/import/invoices/{_segment(invoice_uuid)}/transactions"
        return Transaction(self._t.request("POST", path, json=body))


def line_item(body: Any) -> LineItem:
    """A line item of its own type."""
    return SubscriptionLineItem(body) if body["type"] == "subscription" else OneTimeLineItem(body)


class LineItems(_Records[LineItem]):
    """`update` takes the import's line item fields, but not those tying it to a subscription or plan."""

    path = "line_items"

    def _one(self, body: Any) -> LineItem:
        return line_item(body)

    def create(self, invoice_uuid: str, **fields: Any) -> LineItem:
        """Add a line item (the import's fields: `type`, `amount_in_cents`, ...) to an invoice."""
        path = f"/v1/import/invoices/{_segment(invoice_uuid)}/line_items"
        return line_item(self._t.request("POST", path, json=fields))


class Subscriptions:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(self, customer_uuid: str, *, per_page: int = 200) -> Listing[Subscription]:
        path = f"/v1/import/customers/{_segment(customer_uuid)}/subscriptions"
        return Listing(self._t, path, Subscription, key="subscriptions", per_page=per_page)

    def cancel(
        self,
        uuid: str,
        *,
        cancelled_at: datetime | str | None = None,
        cancellation_dates: Sequence[datetime | str] | None = None,
    ) -> Subscription:
        """`cancelled_at` adds a cancellation date; `cancellation_dates` replaces them all (`[]` un-cancels)."""
        if (cancelled_at is None) == (cancellation_dates is None):
            raise ValueError("give exactly one of cancelled_at and cancellation_dates")
        body: dict[str, Any] = (
            {"cancelled_at": cancelled_at} if cancelled_at is not None else {"cancellation_dates": cancellation_dates}
        )
        return Subscription(self._t.request("PATCH", f"/v1/import/subscriptions/{_segment(uuid)}", json=body))
