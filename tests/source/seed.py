"""Seed a `mogul serve` database with a demo history, straight through the server's stores (no HTTP).

The acceptance suite and `bench/source.py` both use it: the demo generator's customers are spread over
several data sources (each with its own copy of the plans), imported with the same store calls the Import
API routes make, then processed synchronously with `mogul.server.processing.drain`.

Every invoice is sent in USD: the generator also makes EUR customers, and the server has no FX rates, so
it cannot compute them (`no FX rate from EUR to USD`); they would stay leads with no activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from mogul.demo.generator import CustomerHistory, GeneratorConfig, generate
from mogul.demo.payloads import cancellation_bodies, resolve_invoices, with_source
from mogul.server import processing
from mogul.server.app import Stores
from mogul.server.store import Database
from mogul.server.store.schema import activities


@dataclass
class Seeded:
    data_sources: list[str]
    customers: dict[str, str] = field(default_factory=dict)
    """customer uuid -> data source uuid"""
    invoices: int = 0
    processed: int = 0
    activities: int = 0
    plan_groups: dict[str, list[str]] = field(default_factory=dict)
    """plan group uuid -> its plans' uuids"""
    subscription_events: int = 0


def usd(history: CustomerHistory) -> CustomerHistory:
    invoices = [{**invoice, "currency": "USD"} for invoice in history.invoices]
    return CustomerHistory(**{**history.__dict__, "invoices": invoices})


def seed(db: Database, config: GeneratorConfig, *, data_sources: int = 1, process: bool = True) -> Seeded:
    """Import `generate(config)` into `db`, customer i into data source i % `data_sources`."""
    stores = Stores.on(db)
    dataset = generate(config)
    sources = [stores.data_sources.create({"name": f"{config.data_source_name} {n + 1}"}) for n in range(data_sources)]
    out = Seeded([source["uuid"] for source in sources])
    plans: list[dict[str, str]] = []
    for source in sources:
        created = {p["external_id"]: stores.plans.create(with_source(p, source["uuid"]))["uuid"] for p in dataset.plans}
        plans.append(created)
        group = stores.plan_groups.create({"name": f"{source['name']} plans", "plans": list(created.values())})
        out.plan_groups[group["uuid"]] = list(created.values())
    for n, history in enumerate(dataset.customers):
        ds_uuid, plan_uuids = out.data_sources[n % data_sources], plans[n % data_sources]
        history = usd(history)
        customer = stores.customers.create(with_source(history.customer, ds_uuid))
        out.customers[customer["uuid"]] = ds_uuid
        if n % 5 == 0:  # a scheduled cancellation for every fifth customer (events change no MRR)
            event = {
                "data_source_uuid": ds_uuid,
                "customer_external_id": customer["external_id"],
                "subscription_external_id": f"{customer['external_id']}-sub",
                "event_type": "subscription_cancellation_scheduled",
                "event_date": "2024-01-01",
                "effective_date": "2024-02-01",
            }
            stores.subscription_events.create({"subscription_event": event})
            out.subscription_events += 1
        if not history.invoices:
            continue
        invoices = resolve_invoices(history.invoices, ds_uuid, plan_uuids)
        imported = stores.invoices.import_invoices(customer["uuid"], {"invoices": invoices})
        out.invoices += len(invoices)
        if history.cancellations:
            subscriptions = {
                item["subscription_external_id"]: item["subscription_uuid"]
                for invoice in imported["invoices"]
                for item in invoice["line_items"]
                if item.get("subscription_uuid")
            }
            for external_id, body in cancellation_bodies(history.cancellations):
                stores.subscriptions.cancel(subscriptions[external_id], body)
    seed_crm(stores, out.customers)
    if process:
        out.processed = processing.drain(db)
        with db.read() as conn:
            out.activities = conn.execute(select(func.count()).select_from(activities)).scalar_one()
    return out


def seed_crm(stores: Stores, customers: dict[str, str], every: int = 3) -> None:
    """Contacts, a note, a call, an opportunity and a task for every `every`th customer."""
    for n, (customer, source) in enumerate(customers.items()):
        if n % every:
            continue
        for position in (1, 2):
            stores.contacts.create(
                {
                    "customer_uuid": customer,
                    "data_source_uuid": source,
                    "first_name": f"Contact {n}.{position}",
                    "email": f"contact{n}.{position}@example.com",
                    "custom": [{"key": "Champion", "value": position == 1}],
                }
            )
        for kind in ("note", "call"):
            stores.customer_notes.create(
                {"customer_uuid": customer, "type": kind, "text": f"{kind} {n}"}, key_name="seed"
            )
        stores.opportunities.create(
            {
                "customer_uuid": customer,
                "owner": "owner@example.com",
                "pipeline": "New Business",
                "pipeline_stage": "Discovery",
                "estimated_close_date": "2024-06-30",
                "currency": "USD",
                "amount_in_cents": 100_000 + n,
                "custom": [{"key": "from_campaign", "value": True}],
            }
        )
        stores.tasks.create(
            {
                "customer_uuid": customer,
                "task_details": f"Call {n}",
                "assignee": "k@example.com",
                "due_date": "2025-04-30",
            }
        )


def generator_config(customers: int, **overrides: Any) -> GeneratorConfig:
    return GeneratorConfig(customers=customers, **overrides)
