"""The official `chartmogul` 4.11.0 client, unchanged: Customer.unmerge, (dis)connectSubscriptions, and the older
Subscription class."""

from __future__ import annotations

import datetime as dt
from typing import Any

import chartmogul
import httpx
import orjson
import pytest

from .processing_helpers import line_item, settle


def test_unmerge(config: chartmogul.Config, ds: Any, api: httpx.Client) -> None:
    into = chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "into"}).get()
    src = chartmogul.Customer.create(
        config, data={"data_source_uuid": ds.uuid, "external_id": "from", "name": "From"}
    ).get()
    merge = {"from": {"customer_uuid": src.uuid}, "into": {"customer_uuid": into.uuid}}
    assert chartmogul.Customer.merge(config, data=merge).get() is None
    body = {
        "customer_uuid": into.uuid,
        "data_source_uuid": ds.uuid,
        "external_id": "from",
        "move_to_new_customer": ["tasks", "opportunities", "notes"],
    }
    assert chartmogul.Customer.unmerge(config, data=body).get() is None  # 202
    [back] = chartmogul.Customer.all(config, external_id="from").get().entries
    assert back.name == "From" and back.uuid != src.uuid
    assert chartmogul.Customer.retrieve(config, uuid=into.uuid).get().external_ids == ["into"]
    with pytest.raises(chartmogul.APIError) as err:
        chartmogul.Customer.unmerge(config, data=body).get()
    assert b'"external_id"' in err.value.args[0]


def test_connect_and_disconnect_subscriptions(config: chartmogul.Config, ds: Any, api: httpx.Client) -> None:
    def plan(name: str) -> Any:
        body = {"data_source_uuid": ds.uuid, "name": name, "interval_count": 1, "interval_unit": "month"}
        return chartmogul.Plan.create(config, data=body).get()

    gold, platinum = plan("Gold"), plan("Platinum")
    cus = chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "c1"}).get()
    invoices = [
        {
            "external_id": "i-1",
            "date": "2024-01-01",
            "currency": "USD",
            "line_items": [line_item(gold.uuid, "old", "2024-01-01", "2024-02-01", 5000, cancelled_at="2024-02-01")],
        },
        {
            "external_id": "i-2",
            "date": "2024-02-01",
            "currency": "USD",
            "line_items": [line_item(platinum.uuid, "new", "2024-02-01", "2024-03-01", 8000)],
        },
    ]
    chartmogul.Invoice.create(config, uuid=cus.uuid, data={"invoices": invoices}).get()
    settle(api)

    def types() -> list[str]:
        return sorted(a.type for a in chartmogul.CustomerActivity.all(config, uuid=cus.uuid).get().entries)

    assert types() == ["churn", "new_biz", "reactivation"]
    # The uuids of the customer's subscriptions view (bare UUIDs), as a user of the client would have them.
    subs = chartmogul.Customer.subscriptions(config, uuid=cus.uuid).get().entries
    refs = {"subscriptions": [{"data_source_uuid": ds.uuid, "uuid": s.uuid} for s in subs]}
    assert len(refs["subscriptions"]) == 2
    assert chartmogul.Customer.connectSubscriptions(config, uuid=cus.uuid, data=refs).get() is None
    settle(api)
    assert types() == ["expansion", "new_biz"]
    assert chartmogul.Customer.disconnectSubscriptions(config, uuid=cus.uuid, data=refs).get() is None
    settle(api)
    assert types() == ["churn", "new_biz", "reactivation"]


def test_attribute_calls_and_subscription_modify(config: chartmogul.Config, ds: Any) -> None:
    """The rest of issue 3's official calls: Attributes, Tags, CustomAttributes (by uuid and by email),
    CustomerSubscription.modify (replace cancellation dates) and Invoice.all_any."""
    body = {"data_source_uuid": ds.uuid, "external_id": "c1", "email": "a@x.com"}
    cus = chartmogul.Customer.create(config, data=body).get()
    assert chartmogul.Tags.add(config, uuid=cus.uuid, data={"tags": ["a", "b"]}).get().tags == ["a", "b"]
    assert chartmogul.Tags.remove(config, uuid=cus.uuid, data={"tags": ["a"]}).get().tags == ["b"]
    by_email = chartmogul.Tags.add_by_email(config, data={"email": "a@x.com", "tags": ["c"]}).get()
    assert [c.uuid for c in by_email.entries] == [cus.uuid] and by_email.entries[0].attributes.tags == ["b", "c"]
    typed = {
        "custom": [{"type": "Integer", "key": "seats", "value": 3}, {"type": "String", "key": "tier", "value": "x"}]
    }
    assert chartmogul.CustomAttributes.add(config, uuid=cus.uuid, data=typed).get().custom == {"seats": 3, "tier": "x"}
    updated = chartmogul.CustomAttributes.update(config, uuid=cus.uuid, data={"custom": {"seats": 4}}).get()
    assert updated.custom == {"seats": 4, "tier": "x"}
    assert chartmogul.CustomAttributes.remove(config, uuid=cus.uuid, data={"custom": ["tier"]}).get() is None
    email_custom = {"email": "a@x.com", "custom": [{"type": "Boolean", "key": "vip", "value": True}]}
    [entry] = chartmogul.CustomAttributes.add_by_email(config, data=email_custom).get().entries
    assert entry.attributes.custom == {"seats": 4, "vip": True}
    attributes = chartmogul.Attributes.retrieve(config, uuid=cus.uuid).get()
    assert attributes.tags == ["b", "c"] and attributes.custom == {"seats": 4, "vip": True}

    plan_body = {"data_source_uuid": ds.uuid, "name": "Gold", "interval_count": 1, "interval_unit": "month"}
    plan = chartmogul.Plan.create(config, data=plan_body).get()
    invoice = {
        "external_id": "i-1",
        "date": "2024-01-01",
        "currency": "USD",
        "line_items": [line_item(plan.uuid, "s1", "2024-01-01", "2024-02-01", 100)],
    }
    [inv] = chartmogul.Invoice.create(config, uuid=cus.uuid, data={"invoices": [invoice]}).get().invoices
    assert [i.uuid for i in chartmogul.Invoice.all_any(config, customer_uuid=cus.uuid).get().invoices] == [inv.uuid]
    sub_uuid = inv.line_items[0].subscription_uuid
    dates = {"cancellation_dates": [dt.datetime(2024, 1, 20, tzinfo=dt.UTC)]}
    assert chartmogul.CustomerSubscription.modify(config, uuid=sub_uuid, data=dates).get() is None  # 202
    with pytest.warns(DeprecationWarning):
        [sub] = chartmogul.CustomerSubscription.list_imported(config, uuid=cus.uuid).get().subscriptions
    assert sub.cancellation_dates == [dt.datetime(2024, 1, 20, tzinfo=dt.UTC)]


def test_the_older_subscription_class(config: chartmogul.Config, ds: Any, api: httpx.Client) -> None:
    """`chartmogul.Subscription`, the older name of the class on `/customers{/uuid}/subscriptions`: all (with its
    cursor), list_imported, cancel and modify, each against the server."""
    assert chartmogul.Subscription is chartmogul.CustomerSubscription  # one class, two names, in 4.11.0
    body = {"data_source_uuid": ds.uuid, "name": "Gold", "interval_count": 1, "interval_unit": "month"}
    gold = chartmogul.Plan.create(config, data=body).get()
    cus = chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "c1"}).get()
    items = [
        line_item(gold.uuid, "s1", "2024-01-01", "2024-02-01", 5000),
        line_item(gold.uuid, "s2", "2024-01-01", "2024-02-01", 3000),
    ]
    invoice = {"external_id": "i-1", "date": "2024-01-01", "currency": "USD", "line_items": items}
    chartmogul.Invoice.create(config, uuid=cus.uuid, data={"invoices": [invoice]}).get()
    settle(api)

    first = chartmogul.Subscription.all(config, uuid=cus.uuid, per_page=1).get()
    assert len(first.entries) == 1 and first.has_more is True
    rest = chartmogul.Subscription.all(config, uuid=cus.uuid, per_page=1, cursor=first.cursor).get()
    listed = first.entries + rest.entries
    assert rest.has_more is False and sorted(s.mrr for s in listed) == [3000, 5000]
    assert {(s.plan, s.billing_cycle, s.billing_cycle_count, s.currency) for s in listed} == {
        ("Gold", "month", 1, "USD")
    }
    assert {s.start_date for s in listed} == {dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}

    with pytest.warns(DeprecationWarning):
        imported = chartmogul.Subscription.list_imported(config, uuid=cus.uuid).get()
    assert imported.customer_uuid == cus.uuid
    by_external = {s.external_id: s for s in imported.subscriptions}
    assert set(by_external) == {"s1", "s2"} and by_external["s1"].plan_uuid == gold.uuid
    s1 = by_external["s1"].uuid
    when = dt.datetime(2024, 1, 15, tzinfo=dt.UTC)
    assert chartmogul.Subscription.cancel(config, uuid=s1, data={"cancelled_at": when}).get() is None  # 202

    def cancellations() -> dict[str, list[dt.datetime]]:
        with pytest.warns(DeprecationWarning):
            subs = chartmogul.Subscription.list_imported(config, uuid=cus.uuid).get().subscriptions
        return {s.external_id: s.cancellation_dates for s in subs}

    assert cancellations() == {"s1": [when], "s2": []}
    assert chartmogul.Subscription.modify(config, uuid=s1, data={"cancellation_dates": []}).get() is None
    assert cancellations() == {"s1": [], "s2": []}
    with pytest.raises(chartmogul.APIError) as err:
        chartmogul.Subscription.cancel(
            config, uuid="sub_00000000-0000-0000-0000-000000000000", data={"cancelled_at": when}
        ).get()
    assert orjson.loads(err.value.args[0]) == {"error": "Subscription not found"}
