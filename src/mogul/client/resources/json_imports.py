"""`/v1/data_sources/{uuid}/json_imports`: import a data source's records in bulk, then follow the job."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ChartMogulError
from ..models import JsonImport
from ..requester import Requester
from .data_sources import _segment

Records = Sequence[Mapping[str, Any]]
_ARRAYS = ("customers", "plans", "invoices", "line_items", "transactions", "subscription_events")


class ImportUnfinished(ChartMogulError):
    """The import's job failed (`status: failed`), or did not finish in time."""


class JsonImports:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def create(
        self,
        data_source_uuid: str,
        *,
        external_id: str | None = None,
        customers: Records = (),
        plans: Records = (),
        invoices: Records = (),
        line_items: Records = (),
        transactions: Records = (),
        subscription_events: Records = (),
    ) -> JsonImport:
        """Queue an import of the records (each as its single-object endpoint takes it, without
        `data_source_uuid`; invoices name their customer by `customer_external_id`, line items and transactions
        sent apart their invoice by `invoice_external_id`)."""
        arrays = (customers, plans, invoices, line_items, transactions, subscription_events)
        body: dict[str, Any] = {name: list(records) for name, records in zip(_ARRAYS, arrays, strict=True) if records}
        if external_id is not None:
            body["external_id"] = external_id
        path = f"/v1/data_sources/{_segment(data_source_uuid)}/json_imports"
        return JsonImport(self._t.request("POST", path, json=body))

    def retrieve(self, data_source_uuid: str, id: str) -> JsonImport:
        path = f"/v1/data_sources/{_segment(data_source_uuid)}/json_imports/{_segment(id)}"
        return JsonImport(self._t.request("GET", path))

    def wait(self, data_source_uuid: str, id: str, *, timeout: float = 300.0, interval: float = 1.0) -> JsonImport:
        """Poll until the import has run (`completed`: each record's outcome is in `status_details`);
        ImportUnfinished when it `failed` or `timeout` passed."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.retrieve(data_source_uuid, id)
            if job.status == "completed":
                return job
            if job.status not in ("queued", "processing"):
                raise ImportUnfinished(f"json import {id} {job.status}")
            if time.monotonic() + interval > deadline:
                raise ImportUnfinished(f"json import {id} still {job.status} after {timeout:g}s")
            time.sleep(interval)
