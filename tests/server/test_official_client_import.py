"""The official `chartmogul` 4.11.0 client, unchanged, driving the Import API of mogul's server."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import chartmogul
import orjson
import pytest


def test_customer_calls(config: chartmogul.Config, ds: Any) -> None:
    created = chartmogul.Customer.create(
        config,
        data={
            "data_source_uuid": ds.uuid,
            "external_id": "cus_007",
            "name": "New Customer",
            "email": "new_customer@example.com",
            "city": "Berlin",
            "lead_created_at": dt.datetime(2015, 11, 1, tzinfo=dt.UTC),
            "attributes": {"tags": ["vip"], "custom": [{"type": "Integer", "key": "seats", "value": 3}]},
        },
    ).get()
    assert created.uuid.startswith("cus_") and created.status == "New Lead" and created.customer_since is None
    assert created.lead_created_at == dt.datetime(2015, 11, 1, tzinfo=dt.UTC)
    assert created.attributes.tags == ["vip"] and created.attributes.custom == {"seats": 3}
    assert created.address.city == "Berlin" and created.mrr == 0

    listed = chartmogul.Customer.all(config, data_source_uuid=ds.uuid, per_page=10).get()
    assert [c.uuid for c in listed.entries] == [created.uuid] and listed.has_more is False
    got = chartmogul.Customer.retrieve(config, uuid=created.uuid).get()
    assert got.external_id == "cus_007" and got.company == ""
    found = chartmogul.Customer.search(config, email="new_customer@example.com").get()
    assert [c.uuid for c in found.entries] == [created.uuid]
    modified = chartmogul.Customer.modify(config, uuid=created.uuid, data={"name": "Renamed"}).get()
    assert modified.name == "Renamed"
    tags = chartmogul.Tags.add(config, uuid=created.uuid, data={"tags": ["b2b"]}).get()
    assert tags.tags == ["vip", "b2b"]
    other = chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "cus_008"}).get()
    merge = {"from": {"customer_uuid": other.uuid}, "into": {"customer_uuid": created.uuid}}
    assert chartmogul.Customer.merge(config, data=merge).get() is None  # 202
    assert chartmogul.Customer.destroy(config, uuid=created.uuid).get() is None
    with pytest.raises(chartmogul.APIError) as err:
        chartmogul.Customer.retrieve(config, uuid=created.uuid).get()
    assert orjson.loads(err.value.args[0]) == {
        "code": 404,
        "message": f'Customer "{created.uuid.removeprefix("cus_")}" does not exist',
        "param": "customer_id",
    }


def test_customer_pages_follow_cursors(config: chartmogul.Config, ds: Any) -> None:
    for i in range(5):
        chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": f"c{i}"}).get()
    seen: list[str] = []
    page = chartmogul.Customer.all(config, per_page=2).get()
    while True:
        seen += [c.external_id for c in page.entries]
        if not page.has_more:
            break
        page = chartmogul.Customer.all(config, per_page=2, cursor=page.cursor).get()
    assert seen == [f"c{i}" for i in range(5)]


def test_plan_calls(config: chartmogul.Config, ds: Any) -> None:
    body = {"data_source_uuid": ds.uuid, "name": "Gold", "interval_count": 1, "interval_unit": "month"}
    plan = chartmogul.Plan.create(config, data=body).get()
    assert plan.uuid.startswith("pl_") and plan.external_id == plan.uuid[3:]
    assert [p.uuid for p in chartmogul.Plan.all(config, data_source_uuid=ds.uuid).get().plans] == [plan.uuid]
    assert chartmogul.Plan.retrieve(config, uuid=plan.uuid).get().name == "Gold"
    assert chartmogul.Plan.modify(config, uuid=plan.uuid, data={"name": "Gold+"}).get() is None  # 202
    assert chartmogul.Plan.retrieve(config, uuid=plan.uuid).get().name == "Gold+"
    assert chartmogul.Plan.destroy(config, uuid=plan.uuid).get() is None


def test_invoice_transaction_and_subscription_calls(config: chartmogul.Config, ds: Any) -> None:
    customer = chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "cus_001"}).get()
    plan_body = {"data_source_uuid": ds.uuid, "name": "Gold", "interval_count": 1, "interval_unit": "month"}
    plan = chartmogul.Plan.create(config, data=plan_body).get()
    start = dt.datetime(2016, 1, 1, 12, tzinfo=dt.UTC)
    invoice = {
        "external_id": "inv_1",
        "date": start,
        "currency": "USD",
        "due_date": dt.datetime(2016, 1, 7, 12),
        "customer_external_id": "cus_001",
        "data_source_uuid": ds.uuid,
        "line_items": [
            {
                "type": "subscription",
                "subscription_external_id": "sub_1",
                "plan_uuid": plan.uuid,
                "service_period_start": start,
                "service_period_end": dt.datetime(2016, 2, 1, 12, tzinfo=dt.UTC),
                "amount_in_cents": 1000,
                "quantity": 5,
                "external_id": "li_1",
            },
            {"type": "one_time", "description": "Setup Fees", "amount_in_cents": 2500, "quantity": 1},
        ],
        "transactions": [{"type": "payment", "date": start, "result": "successful", "external_id": "tr_1"}],
    }
    result = chartmogul.Invoice.create(config, uuid=customer.uuid, data={"invoices": [invoice]}).get()
    [inv] = result.invoices
    assert inv.uuid.startswith("inv_") and inv.date == start and inv.currency == "USD"
    assert inv.line_items[0].subscription_uuid.startswith("sub_") and inv.line_items[1].description == "Setup Fees"
    assert inv.transactions[0].external_id == "tr_1"

    mine = chartmogul.Invoice.all(config, uuid=customer.uuid).get()
    assert mine.customer_uuid == customer.uuid and [i.uuid for i in mine.invoices] == [inv.uuid]
    every = chartmogul.Invoice.all(config, data_source_uuid=ds.uuid, per_page=10).get()
    assert [i.uuid for i in every.invoices] == [inv.uuid] and every.has_more is False
    assert chartmogul.Invoice.retrieve(config, uuid=inv.uuid).get().external_id == "inv_1"

    tx = chartmogul.Transaction.create(
        config, uuid=inv.uuid, data={"type": "refund", "date": start, "result": "successful", "amount_in_cents": 500}
    ).get()
    assert tx.uuid.startswith("tr_") and tx.amount_in_cents == 500 and tx.date == start

    with pytest.warns(DeprecationWarning):
        subs = chartmogul.CustomerSubscription.list_imported(config, uuid=customer.uuid).get()
    [sub] = subs.subscriptions
    assert sub.external_id == "sub_1" and sub.plan_uuid == plan.uuid and sub.cancellation_dates == []
    cancelled = chartmogul.CustomerSubscription.cancel(
        config, uuid=sub.uuid, data={"cancelled_at": dt.datetime(2016, 1, 15, 12, tzinfo=dt.UTC)}
    ).get()
    assert cancelled is None  # 202: the client returns nothing
    with pytest.warns(DeprecationWarning):
        again = chartmogul.CustomerSubscription.list_imported(config, uuid=customer.uuid).get()
    assert again.subscriptions[0].cancellation_dates == [dt.datetime(2016, 1, 15, 12, tzinfo=dt.UTC)]

    with pytest.raises(chartmogul.APIError) as dup:
        chartmogul.Invoice.create(config, uuid=customer.uuid, data={"invoices": [invoice]}).get()
    assert b"already exists in our system" in dup.value.args[0]
    assert chartmogul.Invoice.destroy(config, uuid=inv.uuid).get() is None
    assert chartmogul.Invoice.destroy_all(config, data_source_uuid=ds.uuid, customer_uuid=customer.uuid).get() is None
    assert chartmogul.Invoice.all(config, uuid=customer.uuid).get().invoices == []


def test_invoice_status_and_disabled_state(config: chartmogul.Config, ds: Any) -> None:
    customer = chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "cus_1"}).get()
    item = {"type": "one_time", "amount_in_cents": 2500}
    invoice = {"external_id": "inv_9", "date": dt.datetime(2024, 1, 1), "currency": "USD", "line_items": [item]}
    [inv] = chartmogul.Invoice.create(config, uuid=customer.uuid, data={"invoices": [invoice]}).get().invoices
    updated = chartmogul.Invoice.update_status(
        config, data_source_uuid=ds.uuid, external_id="inv_9", data={"status": "written_off"}, handle_as_user_edit=True
    ).get()
    assert isinstance(updated, chartmogul.Invoice)  # `{"message": ...}` read by the invoice schema: no keys
    got = chartmogul.Invoice.retrieve(config, uuid=inv.uuid).get()
    assert (got.status, got.disabled, got.errors) == ("written_off", False, {})
    enabled = chartmogul.Invoice.disable(config, uuid=inv.uuid, data={"disabled": False}).get()
    assert enabled.uuid == inv.uuid and enabled.disabled is False
    with pytest.raises(chartmogul.APIError) as refused:
        chartmogul.Invoice.disable(config, uuid=inv.uuid, data={"disabled": True}).get()
    assert b"automatic data sources" in refused.value.args[0]


def test_invoice_line_item_and_transaction_editing(config: chartmogul.Config, ds: Any) -> None:
    customer = chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "cus_1"}).get()
    item = {"type": "one_time", "amount_in_cents": 2500, "external_id": "li_1"}
    payment = {"type": "payment", "date": dt.datetime(2024, 1, 2), "result": "successful", "external_id": "tr_1"}
    invoice = {"external_id": "inv_9", "date": dt.datetime(2024, 1, 1), "currency": "USD", "line_items": [item]}
    body = {"invoices": [{**invoice, "transactions": [payment]}]}
    [inv] = chartmogul.Invoice.create(config, uuid=customer.uuid, data=body).get().invoices
    by_id = {"data_source_uuid": ds.uuid}

    # 4.11 has no invoice update of its own: the generic `Invoice.modify` sends PATCH to its import path
    # (`/import/customers/{uuid}/invoices`, or `/invoices/invoices?...` by external id), which no document names.
    tx = chartmogul.Transaction.retrieve(config, **by_id, external_id="tr_1").get()
    assert (tx.uuid, tx.disabled) == (inv.transactions[0].uuid, False)
    assert chartmogul.Transaction.retrieve(config, uuid=tx.uuid, with_disabled=True).get().external_id == "tr_1"
    failed = chartmogul.Transaction.modify(config, uuid=tx.uuid, data={"result": "failed"}, handle_as_user_edit=True)
    assert failed.get().result == "failed"
    assert chartmogul.Invoice.retrieve(config, uuid=inv.uuid).get().status == "open"
    assert chartmogul.Transaction.disable(config, uuid=tx.uuid, data={"disabled": False}).get().uuid == tx.uuid
    with pytest.raises(chartmogul.APIError) as refused:
        chartmogul.Transaction.disable(config, **by_id, external_id="tr_1", data={"disabled": True}).get()
    assert b"automatic data sources" in refused.value.args[0]
    chartmogul.Transaction.destroy(config, **by_id, external_id="tr_1").get()
    with pytest.raises(chartmogul.APIError):
        chartmogul.Transaction.retrieve(config, uuid=tx.uuid).get()

    added = chartmogul.LineItem.create(
        config, uuid=inv.uuid, data={"type": "one_time", "amount_in_cents": 300, "external_id": "li_2"}
    ).get()
    assert isinstance(added, chartmogul.LineItem) and added.uuid.startswith("li_") and added.amount_in_cents == 300
    got = chartmogul.LineItem.retrieve(config, **by_id, external_id="li_2", include_edit_histories=True).get()
    assert got.uuid == added.uuid
    changed = chartmogul.LineItem.modify(config, uuid=added.uuid, data={"amount_in_cents": 400}).get()
    assert changed.amount_in_cents == 400
    assert chartmogul.LineItem.disable(config, uuid=added.uuid, data={"disabled": False}).get().disabled is False
    chartmogul.LineItem.destroy(config, uuid=added.uuid).get()
    chartmogul.LineItem.destroy(config, **by_id, external_id="li_1").get()
    assert chartmogul.Invoice.retrieve(config, uuid=inv.uuid).get().line_items == []

    assert chartmogul.Invoice.destroy(config, **by_id, external_id="inv_9").get() is None
    with pytest.raises(chartmogul.APIError):
        chartmogul.Invoice.destroy(config, **by_id, external_id="inv_9").get()


def test_json_import_calls(config: chartmogul.Config, ds: Any) -> None:
    """JsonImport.create queues a bulk import; JsonImport.retrieve follows it to `completed`."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    data = {
        "external_id": "ds_import_1",
        "plans": [{"name": "Gold", "interval_count": 1, "interval_unit": "month", "external_id": "gold"}],
        "customers": [{"external_id": "scus_0001", "name": "Adam Smith", "email": "adam@example.com"}],
        "invoices": [{"external_id": "inv_1", "customer_external_id": "scus_0001", "date": start, "currency": "USD"}],
        "line_items": [
            {
                "invoice_external_id": "inv_1",
                "type": "subscription",
                "subscription_external_id": "sub_1",
                "plan_external_id": "gold",
                "service_period_start": start,
                "service_period_end": dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
                "amount_in_cents": 1000,
            }
        ],
        "transactions": [{"invoice_external_id": "inv_1", "type": "payment", "date": start, "result": "successful"}],
    }
    job = chartmogul.JsonImport.create(config, data_source_uuid=ds.uuid, data=data).get()
    assert job.status == "queued" and job.external_id == "ds_import_1" and ds.uuid.endswith(job.data_source_uuid)
    assert isinstance(job.created_at, dt.datetime) and job.created_at.tzinfo is not None
    deadline = time.monotonic() + 30
    while (got := chartmogul.JsonImport.retrieve(config, data_source_uuid=ds.uuid, id=job.id).get()).status in (
        "queued",
        "processing",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert got.id == job.id and got.status == "completed" and got.updated_at >= job.updated_at
    assert got.status_details == {
        "plans": {"status": "imported"},
        "scus_0001": {"status": "imported", "invoices": {"status": "imported"}},
    }
    [customer] = chartmogul.Customer.all(config, data_source_uuid=ds.uuid).get().entries
    [invoice] = chartmogul.Invoice.all(config, uuid=customer.uuid).get().invoices
    assert invoice.external_id == "inv_1" and invoice.transactions[0].result == "successful"
    assert invoice.line_items[0].amount_in_cents == 1000

    with pytest.raises(chartmogul.APIError) as bad:
        chartmogul.JsonImport.create(config, data_source_uuid=ds.uuid, data={"customers": []}).get()
    assert orjson.loads(bad.value.args[0])["error_details"][0]["param"] == "customers"
    with pytest.raises(chartmogul.APIError) as missing:
        chartmogul.JsonImport.retrieve(
            config, data_source_uuid=ds.uuid, id="00000000-0000-4000-8000-000000000000"
        ).get()
    assert orjson.loads(missing.value.args[0]) == {"error": "Json import not found"}
