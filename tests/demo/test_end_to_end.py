"""A generated history imported into a real server (SQLite and PostgreSQL), then read back through the API."""

from __future__ import annotations

import json
import subprocess

from mogul.client import Client
from mogul.demo.generator import GeneratorConfig, generate
from mogul.demo.importer import import_dataset
from mogul.server.embedded import EmbeddedServer
from mogul.server.timefmt import iso_millis, parse_timestamp

from ..conftest import MOGUL, subprocess_env


def millis(wire: str) -> str:
    return str(iso_millis(parse_timestamp(wire)))


def test_import_then_read_everything_back(client: Client) -> None:
    dataset = generate(GeneratorConfig(customers=60, seed=9))
    summary = import_dataset(client, dataset, workers=8)
    ds = summary.data_source_uuid
    counts = dataset.counts()

    plans = client.listing("/v1/plans", key="plans", params={"data_source_uuid": ds}).all()
    assert sorted(p["external_id"] for p in plans) == sorted(p["external_id"] for p in dataset.plans)
    plan_ids = {p["uuid"]: p["external_id"] for p in plans}

    customers = {c["external_id"]: c for c in client.listing("/v1/customers", params={"data_source_uuid": ds})}
    assert sorted(customers) == [h.customer["external_id"] for h in dataset.customers]

    invoices = client.listing("/v1/invoices", key="invoices", params={"data_source_uuid": ds}).all()
    assert len(invoices) == counts["invoices"] == summary.invoices
    stored = {i["external_id"]: i for i in invoices}
    for sent in dataset.invoices():
        got = stored[sent["external_id"]]
        assert (got["date"], got["currency"]) == (millis(sent["date"]), sent["currency"])
        assert len(got["transactions"]) == len(sent["transactions"])
        for sent_item, got_item in zip(sent["line_items"], got["line_items"], strict=True):
            assert got_item["amount_in_cents"] == sent_item["amount_in_cents"]
            assert got_item["tax_amount_in_cents"] == sent_item["tax_amount_in_cents"]
            if sent_item["type"] == "subscription":
                assert plan_ids[got_item["plan_uuid"]] == sent_item["plan_external_id"]
                assert got_item["service_period_start"] == millis(sent_item["service_period_start"])
                assert got_item["prorated"] == sent_item["prorated"]

    # Every cancellation (repeated ones included) is on the subscription it was meant for.
    cancelled = 0
    for history in dataset.customers:
        if not history.cancellations:
            continue
        uuid = customers[history.customer["external_id"]]["uuid"]
        subs = client.listing(f"/v1/import/customers/{uuid}/subscriptions", key="subscriptions")
        got = {s["external_id"]: s["cancellation_dates"] for s in subs}
        want: dict[str, list[str]] = {}
        for c in history.cancellations:
            want.setdefault(c["subscription_external_id"], []).append(millis(c["cancelled_at"]))
        for sub, dates in want.items():
            assert got[sub] == dates
            cancelled += len(dates)
    assert cancelled == counts["cancellations"] > 0


def test_cli_imports_into_a_running_server(server: EmbeddedServer, rw_key: str) -> None:
    result = subprocess.run(
        [*MOGUL, "demo", "generate", "--customers", "25", "--seed", "3", "--base-url", server.base_url],
        capture_output=True,
        text=True,
        env=subprocess_env(CHARTMOGUL_API_KEY=rw_key),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["customers"] == 25 and summary["base_url"] == server.base_url
    with Client(rw_key, server.base_url) as cm:
        sources = cm.data_sources.list()
        assert [s.uuid for s in sources] == [summary["data_source_uuid"]]
        customers = cm.customers.list(data_source_uuid=sources[0].uuid).all()
    assert len(customers) == 25


def test_cli_wrong_key_fails_before_sending_anything(server: EmbeddedServer, rw_key: str) -> None:
    result = subprocess.run(
        [*MOGUL, "demo", "generate", "--customers", "5", "--base-url", server.base_url, "--api-key", "nope"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert result.returncode == 1 and result.stderr.startswith("error: 401")
    with Client(rw_key, server.base_url) as cm:
        assert cm.data_sources.list() == []
