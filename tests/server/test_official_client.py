"""ChartMogul's own Python client (PyPI chartmogul==4.11.0), unchanged, pointed at mogul's server."""

from __future__ import annotations

import datetime as dt

import chartmogul
import pytest

from mogul.server.embedded import EmbeddedServer


@pytest.fixture
def config(server: EmbeddedServer, rw_key: str) -> chartmogul.Config:
    cfg = chartmogul.Config(rw_key, max_retries=0)
    cfg.uri = f"{server.base_url}/v1"
    return cfg


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
