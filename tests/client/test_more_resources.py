"""mogul's client on plan groups, subscription events, activities exports and the account, against the server."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest

from mogul.client import (
    Account,
    ActivitiesExport,
    Client,
    JsonImport,
    NotFoundError,
    Plan,
    PlanGroup,
    SubscriptionEvent,
    ValidationError,
)
from mogul.client.resources.exports import ExportFailed
from mogul.objects.account import SETTINGS

from ..server.processing_helpers import line_item
from .test_customer_ops import settle


def test_plan_groups(client: Client) -> None:
    ds = client.data_sources.create("Billing").uuid
    gold, silver = client.plans.create(ds, "Gold"), client.plans.create(ds, "Silver")
    group = client.plan_groups.create("Paid", [gold.uuid, silver.uuid])
    assert isinstance(group, PlanGroup) and (group.name, group.plans_count) == ("Paid", 2)
    assert [g.uuid for g in client.plan_groups.list(per_page=1)] == [group.uuid]
    members = client.plan_groups.plans(group.uuid, per_page=1).all()
    assert [type(p) for p in members] == [Plan, Plan] and [p.name for p in members] == ["Silver", "Gold"]
    assert client.plan_groups.update(group.uuid, plans=[gold.uuid]).plans_count == 1
    assert client.plan_groups.update(group.uuid, name="Gold only").name == "Gold only"
    assert client.plan_groups.retrieve(group.uuid).to_dict() == {
        "name": "Gold only",
        "uuid": group.uuid,
        "plans_count": 1,
    }
    with pytest.raises(ValidationError) as refused:
        client.plan_groups.create("", [])
    assert "Name can't be blank" in str(refused.value)
    client.plan_groups.delete(group.uuid)
    with pytest.raises(NotFoundError):
        client.plan_groups.retrieve(group.uuid)


def test_subscription_events(client: Client) -> None:
    ds = client.data_sources.create("Billing").uuid
    client.customers.create(ds, "c1")
    made = client.subscription_events.create(
        data_source_uuid=ds,
        customer_external_id="c1",
        subscription_external_id="s1",
        event_type="subscription_start_scheduled",
        event_date=date(2024, 5, 1),
        effective_date=datetime(2024, 6, 1, 12, tzinfo=UTC),
        plan_external_id="gold",
        currency="USD",
        amount_in_cents=5000,
        quantity=1,
        external_id="ev1",
    )
    assert isinstance(made, SubscriptionEvent)
    assert made.effective_date == datetime(2024, 6, 1, 12, tzinfo=UTC) and made.amount_in_cents == 5000
    assert [e.id for e in client.subscription_events.list(data_source_uuid=ds, event_date=date(2024, 5, 1))] == [
        made.id
    ]
    assert client.subscription_events.list(event_type="subscription_cancelled").all() == []
    assert client.subscription_events.update(id=made.id, quantity=3).quantity == 3
    moved = client.subscription_events.update(data_source_uuid=ds, external_id="ev1", event_date="2024-05-02")
    assert moved.event_date == datetime(2024, 5, 2, tzinfo=UTC)
    assert client.subscription_events.update(id=made.id, external_id="ev2").external_id == "ev2"
    with pytest.raises(ValidationError) as refused:
        client.subscription_events.set_disabled(True, id=made.id)
    assert refused.value.status == 422 and "automatic" in str(refused.value)
    with pytest.raises(ValidationError):
        client.subscription_events.set_disabled(False, data_source_uuid=ds, external_id="ev2")
    with pytest.raises(ValueError):
        client.subscription_events.delete(external_id="ev2")  # no data source: names nothing
    client.subscription_events.delete(data_source_uuid=ds, external_id="ev2")
    with pytest.raises(NotFoundError):
        client.subscription_events.delete(id=made.id)


def test_activities_export_and_download(client: Client) -> None:
    ds = client.data_sources.create("Billing").uuid
    plan = client.plans.create(ds, "Gold")
    customer = client.customers.create(ds, "c1")
    line = line_item(plan.uuid, "s1", "2024-01-01", "2024-02-01", 3000)
    client.invoices.import_(
        customer.uuid, [{"external_id": "i1", "date": "2024-01-01", "currency": "USD", "line_items": [line]}]
    )
    settle(client)
    started = client.activities_exports.create(start_date=date(2024, 1, 1), type="new_biz")
    assert isinstance(started, ActivitiesExport) and started.status == "pending"
    with pytest.raises(ExportFailed):
        client.activities_exports.download(started)  # no file yet
    done = client.activities_exports.wait(started.id, timeout=30, interval=0.05)
    assert done.status == "succeeded" and done.expires_at is not None
    with zipfile.ZipFile(io.BytesIO(client.activities_exports.download(done))) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    assert text.splitlines()[0].startswith("description,activity-mrr-movement") and customer.uuid in text


def test_json_import(client: Client) -> None:
    ds = client.data_sources.create("Bulk").uuid
    started = client.json_imports.create(
        ds,
        external_id="bulk_1",
        plans=[{"name": "Gold", "interval_count": 1, "interval_unit": "month", "external_id": "gold"}],
        customers=[{"external_id": "c1"}],
        invoices=[{"external_id": "i1", "customer_external_id": "c1", "date": "2024-01-01", "currency": "USD"}],
        line_items=[
            {
                "invoice_external_id": "i1",
                **line_item("", "s1", "2024-01-01", "2024-02-01", 3000),
                "plan_uuid": None,
                "plan_external_id": "gold",
            }
        ],
    )
    assert isinstance(started, JsonImport) and started.status == "queued" and started.external_id == "bulk_1"
    done = client.json_imports.wait(ds, started.id, timeout=30, interval=0.05)
    assert done.status_details == {
        "plans": {"status": "imported"},
        "c1": {"status": "imported", "invoices": {"status": "imported"}},
    }
    assert client.json_imports.retrieve(ds, started.id) == done
    with pytest.raises(ValidationError):
        client.json_imports.create(ds)  # nothing to import
    with pytest.raises(NotFoundError):
        client.json_imports.retrieve(ds, "00000000-0000-4000-8000-000000000000")


def test_account_with_settings(client: Client) -> None:
    plain = client.account()
    assert isinstance(plain, Account) and plain.id.startswith("acc_") and plain.churn_recognition is None
    full = client.account(include=SETTINGS)
    assert set(SETTINGS) <= set(full) and full.id == plain.id
