"""mogul's client resources for customers, plans, invoices, transactions and subscriptions, against the server."""

from __future__ import annotations

import datetime as dt

import pytest

from mogul.client import Client, Customer, NotFoundError, ValidationError
from mogul.client.models import ImportedInvoice, OneTimeLineItem, SubscriptionLineItem


@pytest.fixture
def ds_uuid(client: Client) -> str:
    return client.data_sources.create("Billing").uuid


def test_customers_iterate_lazily_across_pages(client: Client, ds_uuid: str) -> None:
    made = [client.customers.create(ds_uuid, f"c{i}", name=f"Customer {i}").uuid for i in range(5)]
    listing = client.customers.list(data_source_uuid=ds_uuid, per_page=2)
    calls: list[str] = []
    client.requester.before_request = lambda: calls.append("request")
    iterator = iter(listing)
    first = next(iterator)
    assert isinstance(first, Customer) and first.uuid == made[0] and len(calls) == 1  # one page fetched so far
    assert [first.uuid, *(c.uuid for c in iterator)] == made
    assert len(calls) == 3
    page = listing.page()
    assert [c.uuid for c in page.items] == made[:2] and page.has_more and page.raw["total_pages"] == 3
    assert [c.uuid for c in listing.page(page.cursor).items] == made[2:4]
    assert client.customers.list(external_id="nope").all() == []


def test_customer_crud_search_and_tags(client: Client, ds_uuid: str) -> None:
    c = client.customers.create(ds_uuid, "cus_1", email="x@y.com", country="US", attributes={"tags": ["a"]})
    assert (c.status, c.mrr, c.customer_since, c.address.country, c.tags) == (
        "New Lead",
        0,
        None,
        "United States",
        ["a"],
    )
    assert c["customer-since"] is None and c.currency_sign == "$"
    assert client.customers.update(c.uuid, name="Renamed").name == "Renamed"
    assert [x.uuid for x in client.customers.search("x@y.com")] == [c.uuid]
    assert client.customers.search("nobody@y.com").all() == []
    assert client.customers.add_tags(c.uuid, ["b"]) == ["a", "b"]
    assert client.customers.remove_tags(c.uuid, ["a"]) == ["b"]
    with pytest.raises(ValidationError) as dup:
        client.customers.create(ds_uuid, "cus_1")
    assert dup.value.errors == {"external_id": "The external ID for this customer already exists in our system."}
    client.customers.delete(c.uuid)
    with pytest.raises(NotFoundError):
        client.customers.retrieve(c.uuid)


def test_plans_invoices_transactions_subscriptions(client: Client, ds_uuid: str) -> None:
    plan = client.plans.create(ds_uuid, "Gold", interval_count=12, external_id="gold")
    assert [p.uuid for p in client.plans.list(data_source_uuid=ds_uuid)] == [plan.uuid]
    assert client.plans.update(plan.uuid, name="Gold yearly").name == "Gold yearly"
    customer = client.customers.create(ds_uuid, "cus_1")
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    item = {
        "type": "subscription",
        "subscription_external_id": "s1",
        "plan_uuid": plan.uuid,
        "service_period_start": start,
        "service_period_end": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        "amount_in_cents": 12000,
    }
    [inv] = client.invoices.import_(
        customer.uuid, [{"external_id": "i1", "date": start, "currency": "EUR", "line_items": [item]}]
    )
    assert isinstance(inv, ImportedInvoice) and inv.date == start and inv.line_items[0].amount_in_cents == 12000
    assert isinstance(inv.line_items[0], SubscriptionLineItem) and inv.line_items[0].service_period_start == start
    with pytest.raises(ValidationError) as dup:
        client.invoices.import_(
            customer.uuid, [{"external_id": "i1", "date": start, "currency": "EUR", "line_items": [item]}]
        )
    assert "invoice i1: external_id The external ID for this invoice already exists" in dup.value.message
    tx = client.transactions.create(inv.uuid, type="payment", date=start, result="successful", amount_in_cents=12000)
    assert tx.amount_in_cents == 12000 and tx.date == start
    assert [i.uuid for i in client.invoices.list(customer_uuid=customer.uuid)] == [inv.uuid]
    assert client.invoices.retrieve(inv.uuid).transactions[0].uuid == tx.uuid

    [sub] = client.subscriptions.list(customer.uuid)
    assert sub.uuid == inv.line_items[0].subscription_uuid and sub.cancellation_dates == []
    cancelled = client.subscriptions.cancel(sub.uuid, cancelled_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    assert cancelled.cancellation_dates == [dt.datetime(2024, 6, 1, tzinfo=dt.UTC)]
    assert client.subscriptions.cancel(sub.uuid, cancellation_dates=[]).cancellation_dates == []
    with pytest.raises(ValueError):
        client.subscriptions.cancel(sub.uuid)

    client.invoices.delete_all(ds_uuid, customer.uuid)
    assert client.invoices.list().all() == []
    client.plans.delete(plan.uuid)
    with pytest.raises(NotFoundError):
        client.plans.retrieve(plan.uuid)


def test_invoice_status_and_disabled_state(client: Client, ds_uuid: str) -> None:
    customer = client.customers.create(ds_uuid, "cus_1")
    one_time = {"type": "one_time", "amount_in_cents": 100, "description": "Setup"}
    [inv] = client.invoices.import_(
        customer.uuid, [{"external_id": "i1", "date": "2024-01-01", "currency": "EUR", "line_items": [one_time]}]
    )
    assert client.invoices.retrieve(inv.uuid).status == "open"
    client.invoices.update_status(ds_uuid, "i1", "voided")
    assert client.invoices.retrieve(inv.uuid).status == "voided"
    with pytest.raises(ValidationError):
        client.invoices.update_status(ds_uuid, "i1", "paid")
    with pytest.raises(NotFoundError):
        client.invoices.update_status(ds_uuid, "i2", "voided")
    assert client.invoices.disable(inv.uuid, disabled=False).uuid == inv.uuid
    assert client.invoices.disable_by_external_id(ds_uuid, "i1", disabled=False).disabled is False
    with pytest.raises(ValidationError) as refused:
        client.invoices.disable(inv.uuid)
    assert "automatic data sources" in refused.value.message


def test_editing_invoices_line_items_and_transactions(client: Client, ds_uuid: str) -> None:
    customer = client.customers.create(ds_uuid, "cus_1")
    one_time = {"type": "one_time", "amount_in_cents": 100, "description": "Setup", "external_id": "li1"}
    payment = {"type": "payment", "date": "2024-01-02", "result": "successful", "external_id": "tr1"}
    invoice = {"external_id": "i1", "date": "2024-01-01", "currency": "EUR", "line_items": [one_time]}
    [inv] = client.invoices.import_(customer.uuid, [{**invoice, "transactions": [payment]}])
    assert client.invoices.update(inv.uuid, collection_method="manual")["collection_method"] == "manual"
    assert client.invoices.update_by_external_id(ds_uuid, "i1", currency="USD").currency == "USD"

    tx = client.transactions.retrieve_by_external_id(ds_uuid, "tr1")
    assert tx.uuid == inv.transactions[0].uuid and tx["disabled"] is False
    assert client.transactions.update(tx.uuid, result="failed").result == "failed"
    assert client.transactions.update_by_external_id(ds_uuid, "tr1", amount_in_cents=5).amount_in_cents == 5
    assert client.transactions.disable(tx.uuid, disabled=False).uuid == tx.uuid
    with pytest.raises(ValidationError):
        client.transactions.disable_by_external_id(ds_uuid, "tr1")
    client.transactions.delete(tx.uuid)
    with pytest.raises(NotFoundError):
        client.transactions.retrieve(tx.uuid)

    added = client.line_items.create(inv.uuid, type="one_time", amount_in_cents=300, external_id="li2")
    assert isinstance(added, OneTimeLineItem) and added["user_created"] is True
    assert client.line_items.retrieve_by_external_id(ds_uuid, "li1").uuid == inv.line_items[0].uuid
    assert client.line_items.update(added.uuid, amount_in_cents=400).amount_in_cents == 400
    assert client.line_items.update_by_external_id(ds_uuid, "li2", quantity=2).quantity == 2
    assert client.line_items.disable(added.uuid, disabled=False).uuid == added.uuid
    with pytest.raises(ValidationError) as refused:
        client.line_items.update(added.uuid, type="subscription")
    assert "cannot be changed" in refused.value.message
    client.line_items.delete_by_external_id(ds_uuid, "li2")
    client.line_items.delete(inv.line_items[0].uuid)
    assert client.invoices.retrieve(inv.uuid).line_items == []
    client.invoices.delete_by_external_id(ds_uuid, "i1")
    with pytest.raises(NotFoundError):
        client.invoices.retrieve(inv.uuid)
