"""The reading side of the client against the real server: activities (account-wide and per customer), customer
subscriptions and every metrics endpoint, typed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mogul.client import Activity, Client, CustomerActivity, CustomerSubscription, MetricEntry, ValidationError

from ..server.processing_helpers import line_item
from .test_customer_ops import settle


@pytest.fixture
def history(client: Client) -> dict[str, str]:
    """One customer on Gold: 5,000 a month from January 2024, 8,000 from March, cancelled at the end of April."""
    ds = client.data_sources.create("Billing").uuid
    gold = client.plans.create(ds, "Gold", external_id="gold")
    customer = client.customers.create(ds, "c1", name="Ada")
    lines = [
        line_item(gold.uuid, "s1", "2024-01-01", "2024-02-01", 5000),
        line_item(gold.uuid, "s1", "2024-02-01", "2024-03-01", 5000),
        line_item(gold.uuid, "s1", "2024-03-01", "2024-04-01", 8000),
        line_item(gold.uuid, "s1", "2024-04-01", "2024-05-01", 8000, cancelled_at="2024-05-01"),
    ]
    invoices = [
        {"external_id": f"i-{n}", "date": line["service_period_start"], "currency": "USD", "line_items": [line]}
        for n, line in enumerate(lines)
    ]
    client.invoices.import_(customer.uuid, invoices)
    settle(client)
    return {"ds": ds, "customer": customer.uuid}


def test_activities_account_wide_and_per_customer(client: Client, history: dict[str, str]) -> None:
    activities = client.activities.list(start_date=date(2024, 1, 1)).all()
    assert all(isinstance(a, Activity) for a in activities)
    assert [(a.type, a.activity_mrr_movement, a.date.date()) for a in activities] == [
        ("new_biz", 5000, date(2024, 1, 1)),
        ("expansion", 3000, date(2024, 3, 1)),
        ("churn", -8000, date(2024, 5, 1)),
    ]
    first = activities[0]
    assert (first.customer_uuid, first.customer_name, first.activity_arr) == (history["customer"], "Ada", 60000)
    # A window, a type, newest first, one per page: the filters reach the server.
    window = client.activities.list(start_date=datetime(2024, 2, 1, tzinfo=UTC), end_date="2024-06-01", per_page=1)
    assert [a.type for a in window] == ["expansion", "churn"]
    assert [a.type for a in client.activities.list(type="churn")] == ["churn"]
    assert [a.type for a in client.activities.list(order="-date")] == ["churn", "expansion", "new_biz"]
    own = client.customer_activities.list(history["customer"]).all()
    assert all(isinstance(a, CustomerActivity) for a in own)
    assert [(a.type, a.activity_mrr) for a in own] == [("new_biz", 5000), ("expansion", 8000), ("churn", 0)]
    assert own[0].currency_sign == "$" and isinstance(own[0].id, int)


def test_customer_subscriptions(client: Client, history: dict[str, str]) -> None:
    [subscription] = client.customer_subscriptions.list(history["customer"])
    assert isinstance(subscription, CustomerSubscription)
    assert (subscription.external_id, subscription.plan, subscription.billing_cycle) == ("s1", "Gold", "month")
    assert subscription.start_date == datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        client.customer_subscriptions.list("../data_sources")


def test_every_metric(client: Client, history: dict[str, str]) -> None:
    mrr = client.metrics.mrr("2024-01-01", date(2024, 5, 31), interval="month")
    assert [(e.date, e.mrr, e.mrr_expansion) for e in mrr.entries] == [
        (date(2024, 1, 31), 5000, 0),
        (date(2024, 2, 29), 5000, 0),
        (date(2024, 3, 31), 8000, 3000),
        (date(2024, 4, 30), 8000, 0),
        (date(2024, 5, 31), 0, 0),
    ]
    assert mrr.entries[-1].mrr_churn == -8000 and mrr.summary.current is not None
    arr = client.metrics.arr("2024-03-01", "2024-03-31", interval="month")
    assert [e.arr for e in arr.entries] == [96000]
    count = client.metrics.customer_count("2024-01-01", "2024-02-29", interval="month")
    assert [e.customers for e in count.entries] == [1, 1]
    everything = client.metrics.all("2024-03-01", "2024-03-31", interval="month")
    [entry] = everything.entries
    assert isinstance(entry, MetricEntry) and (entry.mrr, entry.customers, entry.arpa) == (8000, 1, 8000)
    assert everything.summary["current-mrr"] is not None
    for metric in (client.metrics.asp, client.metrics.arpa, client.metrics.customer_churn_rate,
                   client.metrics.mrr_churn_rate, client.metrics.ltv):  # fmt: skip
        assert metric("2024-01-01", "2024-05-31", interval="month").entries
    by_geo = client.metrics.report("mrr", "2024-03-01", "2024-03-31", interval="month", geo=["ZZ"])
    assert [e.mrr for e in by_geo.entries] == [0]  # nobody there
    with pytest.raises(ValidationError):
        client.metrics.mrr("2024-05-01", "2024-01-01")
    with pytest.raises(ValueError):
        client.metrics.report("mrr/../ping", "2024-01-01", "2024-01-31")
