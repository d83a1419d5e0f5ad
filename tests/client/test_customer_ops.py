"""mogul's client: customers.merge/unmerge and customer_subscriptions.connect/disconnect, against the real server."""

from __future__ import annotations

import time

import pytest

from mogul.client import Client, NotFoundError, ValidationError

from ..server.processing_helpers import line_item


def settle(client: Client) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(s.status == "idle" for s in client.data_sources.list()):
            return
        time.sleep(0.02)
    raise AssertionError("processing did not finish")


def types(client: Client, customer_uuid: str) -> list[str]:
    return sorted(activity.type for activity in client.customer_activities.list(customer_uuid))


def test_merge_then_unmerge(client: Client) -> None:
    ds = client.data_sources.create("Billing").uuid
    plan = client.plans.create(ds, "Gold", external_id="gold")
    a = client.customers.create(ds, "a", name="A")
    b = client.customers.create(ds, "b", name="B", email="b@x.com")
    line = line_item(plan.uuid, "sb", "2024-01-01", "2024-02-01", 3000)
    client.invoices.import_(
        b.uuid, [{"external_id": "b-1", "date": "2024-01-01", "currency": "USD", "line_items": [line]}]
    )
    client.customers.merge(b.uuid, a.uuid)
    assert client.customers.retrieve(a.uuid).external_ids == ["a", "b"]
    with pytest.raises(NotFoundError):
        client.customers.retrieve(b.uuid)

    client.customers.unmerge(a.uuid, ds, "b", move_to_new_customer=["notes", "tasks"])
    settle(client)
    [back] = client.customers.list(external_id="b")
    assert (back.name, back.email, back.mrr) == ("B", "b@x.com", 3000)
    assert [i.external_id for i in client.invoices.list(customer_uuid=back.uuid)] == ["b-1"]
    assert client.customers.retrieve(a.uuid).external_ids == ["a"]
    with pytest.raises(ValidationError) as again:
        client.customers.unmerge(a.uuid, ds, "b")
    assert set(again.value.errors) == {"external_id"}


def test_connect_and_disconnect(client: Client) -> None:
    ds = client.data_sources.create("Billing").uuid
    gold = client.plans.create(ds, "Gold", external_id="gold")
    platinum = client.plans.create(ds, "Platinum", external_id="platinum")
    c = client.customers.create(ds, "c")
    old = line_item(gold.uuid, "old", "2024-01-01", "2024-02-01", 5000, cancelled_at="2024-02-01")
    new = line_item(platinum.uuid, "new", "2024-02-01", "2024-03-01", 8000)
    client.invoices.import_(
        c.uuid,
        [
            {"external_id": "i-1", "date": "2024-01-01", "currency": "USD", "line_items": [old]},
            {"external_id": "i-2", "date": "2024-02-01", "currency": "USD", "line_items": [new]},
        ],
    )
    settle(client)
    assert types(client, c.uuid) == ["churn", "new_biz", "reactivation"]
    pairs = [(ds, s.uuid) for s in client.subscriptions.list(c.uuid)]
    client.customer_subscriptions.connect(c.uuid, pairs)
    settle(client)
    assert types(client, c.uuid) == ["expansion", "new_biz"]
    client.customer_subscriptions.disconnect(c.uuid, pairs[:1])
    settle(client)
    assert types(client, c.uuid) == ["churn", "new_biz", "reactivation"]
    with pytest.raises(ValidationError):
        client.customer_subscriptions.connect(c.uuid, pairs[:1])


def test_custom_attributes(client: Client) -> None:
    ds = client.data_sources.create("Billing").uuid
    c = client.customers.create(ds, "c", attributes={"tags": ["t"]})
    typed = [{"type": "Integer", "key": "seats", "value": 3}, {"type": "String", "key": "tier", "value": "gold"}]
    assert client.customers.add_custom(c.uuid, typed) == {"seats": 3, "tier": "gold"}
    assert client.customers.update_custom(c.uuid, {"seats": 4}) == {"seats": 4, "tier": "gold"}
    client.customers.remove_custom(c.uuid, ["tier"])
    assert client.customers.attributes(c.uuid) == {"tags": ["t"], "stripe": {}, "custom": {"seats": 4}}
    with pytest.raises(ValidationError):
        client.customers.add_custom(c.uuid, [{"type": "Integer", "key": "n", "value": "many"}])
