"""ChartMogul's own Python client (PyPI chartmogul==4.11.0), unchanged, pointed at mogul's server."""

from __future__ import annotations

import datetime as dt

import chartmogul
import pytest

from mogul.server.embedded import EmbeddedServer


def test_ping(config: chartmogul.Config) -> None:
    assert chartmogul.Ping.ping(config).get().data == "pong!"


def test_create_list_retrieve_destroy(config: chartmogul.Config) -> None:
    older = chartmogul.DataSource.create(config, data={"name": "Enterprise billing connection"}).get()
    newer = chartmogul.DataSource.create(config, data={"name": "In-house billing"}).get()
    assert newer.name == "In-house billing" and newer.system == "Custom" and newer.status == "idle"
    assert newer.uuid.startswith("ds_")
    assert isinstance(newer.created_at, dt.datetime) and newer.created_at.tzinfo is not None

    listed = chartmogul.DataSource.all(config).get()
    assert [s.name for s in listed.data_sources] == ["In-house billing", "Enterprise billing connection"]
    assert [s.uuid for s in listed.data_sources] == [newer.uuid, older.uuid]

    filtered = chartmogul.DataSource.all(config, name="In-house billing", with_processing_status=True).get()
    assert [s.uuid for s in filtered.data_sources] == [newer.uuid]

    got = chartmogul.DataSource.retrieve(config, uuid=older.uuid).get()
    assert (got.uuid, got.name, got.created_at) == (older.uuid, older.name, older.created_at)

    assert chartmogul.DataSource.destroy(config, uuid=older.uuid).get() is None
    remaining = chartmogul.DataSource.all(config).get()
    assert [s.uuid for s in remaining.data_sources] == [newer.uuid]


def test_errors_surface_as_api_errors(config: chartmogul.Config) -> None:
    chartmogul.DataSource.create(config, data={"name": "Dup"}).get()
    with pytest.raises(chartmogul.APIError) as dup:
        chartmogul.DataSource.create(config, data={"name": "Dup"}).get()
    assert b"Has already been taken." in dup.value.args[0]
    with pytest.raises(chartmogul.APIError) as missing:
        chartmogul.DataSource.retrieve(config, uuid="ds_00000000-0000-0000-0000-000000000000").get()
    assert b"Data source not found" in missing.value.args[0]


def test_bad_key_is_refused(server: EmbeddedServer) -> None:
    cfg = chartmogul.Config("not-a-key", max_retries=0)
    cfg.uri = f"{server.base_url}/v1"
    with pytest.raises(chartmogul.APIError) as err:
        chartmogul.DataSource.all(cfg).get()
    assert b"No valid API key provided" in err.value.args[0]


def test_activities_and_metrics_through_the_official_client(config: chartmogul.Config, api: object) -> None:
    from .processing_helpers import gt1, settle

    made = gt1(api)  # type: ignore[arg-type]
    settle(api)  # type: ignore[arg-type]
    acts = chartmogul.Activity.all(config, per_page=1).get()
    assert acts.has_more is True and acts.entries[0].type == "new_biz"
    rest = chartmogul.Activity.all(config, per_page=1, cursor=acts.cursor).get()
    assert rest.entries[0].type == "expansion" and rest.has_more is False
    filtered = chartmogul.Activity.all(config, type="expansion", start_date="2024-01-01", end_date="2024-12-31").get()
    assert [a.activity_mrr for a in filtered.entries] == [8000]

    mine = chartmogul.CustomerActivity.all(config, uuid=made["customer"]["uuid"]).get()
    assert [a.activity_mrr_movement for a in mine.entries] == [5000, 3000]
    subs = chartmogul.CustomerSubscription.all(config, uuid=made["customer"]["uuid"]).get()
    assert [(s.mrr, s.plan, s.status) for s in subs.entries] == [(8000, "Gold", "past_due")]  # no renewal

    dates = {"start_date": "2024-01-01", "end_date": "2024-04-30", "interval": "month"}
    mrr = chartmogul.Metrics.mrr(config, **dates).get()
    assert [e.mrr for e in mrr.entries] == [5000, 5000, 8000, 8000]
    count = chartmogul.Metrics.customer_count(config, **dates).get()
    assert [e.customers for e in count.entries] == [1, 1, 1, 1]
    everything = chartmogul.Metrics.all(config, **dates).get()
    assert everything.entries[-1].arr == 96000
    for call in (
        chartmogul.Metrics.arr,
        chartmogul.Metrics.arpa,
        chartmogul.Metrics.asp,
        chartmogul.Metrics.customer_churn_rate,
        chartmogul.Metrics.mrr_churn_rate,
        chartmogul.Metrics.ltv,
    ):
        assert len(call(config, **dates).get().entries) == 4
