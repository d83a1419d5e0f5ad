"""Send a generated `DemoDataset` through the Import API: data source, plans and a plan group per billing
interval, then every customer in parallel.

Per customer, in order: `POST /v1/customers`, its CRM records (for one customer in three a contact and a note per
cancellation; an opportunity and a task for a lead), one `POST /v1/import/customers/{uuid}/invoices` carrying all its
invoices, and a `PATCH /v1/import/subscriptions/{uuid}` per cancelled subscription, with the billing system's
`subscription_cancelled` event for each cancellation (events change no MRR). Customers are independent, so a
thread pool runs many at once; the server, not this loop, is the bottleneck.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any

from ..client import ChartMogulError, Client
from .generator import CustomerHistory, DemoDataset
from .payloads import cancellation_bodies, crm_bodies, resolve_invoices, with_source

# ChartMogul refuses more than 20 parallel connections per account: stay well below.
DEFAULT_WORKERS = 12
MAX_WORKERS = 20
PROGRESS_SECONDS = 0.25  # how often progress is reported while customers complete

Progress = Callable[[int, int], None]
"""Called from the importing thread as `progress(customers_done, customers_total)`."""


@dataclass(frozen=True)
class ImportSummary:
    data_source_uuid: str
    customers: int
    plans: int
    invoices: int
    line_items: int
    transactions: int
    cancellations: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_dataset(
    client: Client, dataset: DemoDataset, *, workers: int = DEFAULT_WORKERS, progress: Progress | None = None
) -> ImportSummary:
    """Create everything in `dataset` on the server behind `client`; raises the first error met."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be between 1 and {MAX_WORKERS}")
    started = time.perf_counter()
    source = client.data_sources.create(dataset.data_source["name"])
    plan_uuids = create_plans(client, dataset.plans, source.uuid)
    create_plan_groups(client, dataset.plans, plan_uuids)
    total = len(dataset.customers)
    if progress:
        progress(0, total)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mogul-demo-import") as pool:
        futures = [
            pool.submit(import_customer, client, history, source.uuid, plan_uuids) for history in dataset.customers
        ]
        # as_completed hooks each future once; polling `wait` over the pending set every half second walked all of
        # them each time.
        reported = time.monotonic()
        for done_count, future in enumerate(as_completed(futures), start=1):
            if future.exception() is not None:
                pool.shutdown(wait=True, cancel_futures=True)
                future.result()  # re-raise in this thread
            if progress and (done_count == total or time.monotonic() - reported >= PROGRESS_SECONDS):
                reported = time.monotonic()
                progress(done_count, total)
    counts = dataset.counts()
    return ImportSummary(source.uuid, seconds=round(time.perf_counter() - started, 3), **counts)


def create_plans(client: Client, plans: list[dict[str, Any]], data_source_uuid: str) -> dict[str, str]:
    """`POST /v1/plans` for each plan; returns plan external id -> server uuid."""
    uuids = {}
    for plan in plans:
        created = client.request("POST", "/v1/plans", json=with_source(plan, data_source_uuid))
        uuids[plan["external_id"]] = created["uuid"]
    return uuids


def create_plan_groups(client: Client, plans: list[dict[str, Any]], plan_uuids: Mapping[str, str]) -> None:
    """`POST /v1/plan_groups`: one group per billing interval ("Monthly plans", "Annual plans", ...)."""
    groups: dict[str, list[str]] = {}
    for plan in plans:
        groups.setdefault(_interval_name(plan), []).append(plan_uuids[plan["external_id"]])
    for name, uuids in groups.items():
        client.request("POST", "/v1/plan_groups", json={"name": name, "plans": uuids})


def _interval_name(plan: Mapping[str, Any]) -> str:
    count, unit = plan["interval_count"], plan["interval_unit"]
    named = {(1, "month"): "Monthly", (3, "month"): "Quarterly", (1, "year"): "Annual"}
    return f"{named.get((count, unit), f'Every {count} {unit}')} plans"


def import_customer(
    client: Client, history: CustomerHistory, data_source_uuid: str, plan_uuids: Mapping[str, str]
) -> None:
    external_id = history.customer["external_id"]
    try:
        customer = client.request("POST", "/v1/customers", json=with_source(history.customer, data_source_uuid))
        crm = crm_bodies(
            history.customer,
            history.cancellations,
            customer_uuid=customer["uuid"],
            data_source_uuid=data_source_uuid,
            lead=not history.invoices,
        )
        for path, body in crm:
            client.request("POST", path, json=body)
        if not history.invoices:
            return  # a lead: a trial that never converted
        invoices = resolve_invoices(history.invoices, data_source_uuid, plan_uuids)
        imported = client.request(
            "POST", f"/v1/import/customers/{customer['uuid']}/invoices", json={"invoices": invoices}
        )
        if history.cancellations:
            subscriptions = _subscription_uuids(client, customer["uuid"], imported)
            for subscription, body in cancellation_bodies(history.cancellations):
                client.request("PATCH", f"/v1/import/subscriptions/{subscriptions[subscription]}", json=body)
            for cancellation in history.cancellations:
                event = {
                    "data_source_uuid": data_source_uuid,
                    "customer_external_id": external_id,
                    "subscription_external_id": cancellation["subscription_external_id"],
                    "event_type": "subscription_cancelled",
                    "event_date": cancellation["cancelled_at"],
                    "effective_date": cancellation["cancelled_at"],
                }
                client.request("POST", "/v1/subscription_events", json={"subscription_event": event})
    except ChartMogulError as exc:
        exc.message = f"importing customer {external_id}: {exc.message}"
        raise


def _subscription_uuids(client: Client, customer_uuid: str, imported: Any) -> dict[str, str]:
    """Subscription external id -> `sub_` uuid, from the import response's line items.

    Falls back to listing the customer's imported subscriptions for a server that leaves
    `subscription_uuid` out of the response.
    """
    uuids: dict[str, str] = {}
    for invoice in (imported or {}).get("invoices") or []:
        for item in invoice.get("line_items") or []:
            if item.get("subscription_uuid") and item.get("subscription_external_id"):
                uuids[item["subscription_external_id"]] = item["subscription_uuid"]
    if not uuids:
        for subscription in client.subscriptions.list(customer_uuid):
            uuids[subscription.external_id] = subscription.uuid
    return uuids
