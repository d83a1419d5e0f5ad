"""The official `chartmogul` 4.11.0 client, unchanged, on plan groups, subscription events, activities exports and
the account: every method of those classes, create -> list -> retrieve -> update -> delete where it has them."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from typing import Any

import chartmogul
import httpx
import pytest
from chartmogul.api.plan_group_plans import PlanGroupPlans

from .processing_helpers import gt1, settle


def plan(config: chartmogul.Config, ds: Any, name: str) -> Any:
    body = {"data_source_uuid": ds.uuid, "name": name, "interval_count": 1, "interval_unit": "month"}
    return chartmogul.Plan.create(config, data=body).get()


def test_plan_groups(config: chartmogul.Config, ds: Any) -> None:
    gold, silver = plan(config, ds, "Gold"), plan(config, ds, "Silver")
    group = chartmogul.PlanGroup.create(config, data={"name": "My plan group", "plans": [gold.uuid, silver.uuid]}).get()
    assert (group.name, group.plans_count) == ("My plan group", 2) and group.uuid.startswith("plg_")
    other = chartmogul.PlanGroup.create(config, data={"name": "Other", "plans": [gold.uuid]}).get()

    listed = chartmogul.PlanGroup.all(config, per_page=1).get()
    assert [g.uuid for g in listed.plan_groups] == [other.uuid] and listed.has_more is True
    rest = chartmogul.PlanGroup.all(config, per_page=1, cursor=listed.cursor).get()
    assert [g.uuid for g in rest.plan_groups] == [group.uuid] and rest.has_more is False

    got = chartmogul.PlanGroup.retrieve(config, uuid=group.uuid).get()
    assert (got.uuid, got.name, got.plans_count) == (group.uuid, group.name, 2)
    plans = chartmogul.PlanGroup.all(config, uuid=group.uuid).get()  # dispatches to PlanGroupPlans
    assert [p.uuid for p in plans.plans] == [silver.uuid, gold.uuid]
    assert plans.plans[0].interval_unit == "month" and plans.has_more is False
    direct = PlanGroupPlans.all(config, uuid=group.uuid, per_page=1).get()
    assert [p.name for p in direct.plans] == ["Silver"] and direct.has_more is True

    changed = chartmogul.PlanGroup.modify(
        config, uuid=group.uuid, data={"name": "Renamed", "plans": [silver.uuid]}
    ).get()
    assert (changed.name, changed.plans_count) == ("Renamed", 1)
    assert chartmogul.PlanGroup.destroy(config, uuid=group.uuid).get() is None
    with pytest.raises(chartmogul.APIError) as gone:
        chartmogul.PlanGroup.retrieve(config, uuid=group.uuid).get()
    assert b"Plan group not found" in gone.value.args[0]
    with pytest.raises(chartmogul.APIError) as invalid:
        chartmogul.PlanGroup.create(config, data={}).get()
    assert b'"plan_ids":["Plan ids can\'t be blank"]' in invalid.value.args[0]


def test_subscription_events(config: chartmogul.Config, ds: Any) -> None:
    chartmogul.Customer.create(config, data={"data_source_uuid": ds.uuid, "external_id": "ext_customer"}).get()
    fields = {
        "data_source_uuid": ds.uuid,
        "customer_external_id": "ext_customer",
        "event_type": "subscription_start_scheduled",
        "event_date": "2022-02-16",
        "effective_date": "2022-02-28",
        "subscription_external_id": "TestSubEventsSubscription01",
        "plan_external_id": "ext_plan",
        "currency": "USD",
        "amount_in_cents": "1000",
        "quantity": 1,
    }
    first = chartmogul.SubscriptionEvent.create(
        config, data={"subscription_event": {**fields, "external_id": "ev_1"}}
    ).get()
    assert isinstance(first.id, int) and first.amount_in_cents == 1000
    assert first.event_date == dt.datetime(2022, 2, 16, tzinfo=dt.UTC)
    second = chartmogul.SubscriptionEvent.create(
        config, data={"subscription_event": {**fields, "external_id": "ev_2", "event_type": "subscription_cancelled"}}
    ).get()

    listed = chartmogul.SubscriptionEvent.all(config, per_page=1, with_disabled=True).get()
    assert [e.id for e in listed.subscription_events] == [second.id] and listed.has_more is True
    rest = chartmogul.SubscriptionEvent.all(config, per_page=1, cursor=listed.cursor).get()
    assert [e.id for e in rest.subscription_events] == [first.id] and rest.has_more is False
    filtered = chartmogul.SubscriptionEvent.all(config, data_source_uuid=ds.uuid, external_id="ev_1").get()
    assert [e.id for e in filtered.subscription_events] == [first.id]

    # The three call styles of modify_with_params, by id and by external id.
    by_id = chartmogul.SubscriptionEvent.modify_with_params(config, id=first.id, data={"quantity": 2}).get()
    assert by_id.quantity == 2
    flat = chartmogul.SubscriptionEvent.modify_with_params(config, data={"id": first.id, "amount_in_cents": 3000}).get()
    assert flat.amount_in_cents == 3000
    by_key = {"data_source_uuid": ds.uuid, "external_id": "ev_1", "currency": "EUR"}
    wrapped = chartmogul.SubscriptionEvent.modify_with_params(config, data={"subscription_event": by_key}).get()
    assert (wrapped.id, wrapped.currency, wrapped.quantity) == (first.id, "EUR", 2)

    # disable/enable: by id and by external id; mogul's sources are API sources, which ChartMogul refuses.
    for call in (
        lambda: chartmogul.SubscriptionEvent.disable(config, id=first.id).get(),
        lambda: chartmogul.SubscriptionEvent.enable(config, id=first.id).get(),
        lambda: chartmogul.SubscriptionEvent.disable(config, data_source_uuid=ds.uuid, external_id="ev_1").get(),
        lambda: chartmogul.SubscriptionEvent.enable(config, data={"subscription_event": by_key}).get(),
    ):
        with pytest.raises(chartmogul.APIError) as refused:
            call()
        assert refused.value.__cause__.response.status_code == 422
        assert b"automatic data sources" in refused.value.args[0]

    assert chartmogul.SubscriptionEvent.destroy_with_params(config, id=first.id).get() is None
    gone = chartmogul.SubscriptionEvent.destroy_with_params(config, data_source_uuid=ds.uuid, external_id="ev_2")
    assert gone.get() is None
    assert chartmogul.SubscriptionEvent.all(config).get().subscription_events == []
    with pytest.raises(chartmogul.APIError) as missing:
        chartmogul.SubscriptionEvent.destroy_with_params(config, id=first.id).get()
    assert missing.value.__cause__.response.status_code == 404


def test_activities_export(config: chartmogul.Config, api: httpx.Client) -> None:
    gt1(api)
    settle(api)
    data = {"start-date": "2024-01-01T00:00:00Z", "end-date": "2024-12-31T00:00:00Z", "type": "expansion"}
    started = chartmogul.ActivitiesExport.create(config, data=data).get()
    assert (started.status, started.file_url, started.expires_at) == ("pending", None, None)
    assert started.params.kind == "activities"
    assert started.params.params["activity_type"] == "expansion"
    deadline = time.monotonic() + 30
    export = started
    while export.status == "pending" and time.monotonic() < deadline:
        time.sleep(0.05)
        export = chartmogul.ActivitiesExport.retrieve(config, id=started.id).get()
    assert export.status == "succeeded"
    assert export.expires_at - export.created_at >= dt.timedelta(days=7) - dt.timedelta(minutes=1)
    file = httpx.get(export.file_url)
    with zipfile.ZipFile(io.BytesIO(file.content)) as archive:
        [name] = archive.namelist()
        lines = archive.read(name).decode().splitlines()
    assert len(lines) == 2 and ",expansion," in lines[1]


def test_account(config: chartmogul.Config) -> None:
    plain = chartmogul.Account.retrieve(config).get()
    assert plain.id.startswith("acc_") and plain.week_start_on == "sunday"
    assert not hasattr(plain, "churn_recognition")
    one = chartmogul.Account.retrieve(config, include="churn_recognition").get()
    assert isinstance(one.churn_recognition, str) and not hasattr(one, "refund_handling")
    both = chartmogul.Account.retrieve(config, include="churn_recognition,refund_handling").get()
    assert both.churn_recognition == one.churn_recognition and isinstance(both.refund_handling, str)
