"""`read()` in-process and as a subprocess: faults, error mapping, secrets, rate limits, PyAirbyte's
catalogs and states, pagination on the wire, and clean shutdown."""

from __future__ import annotations

import re
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mogul.source import ReadFailed, discover, read
from mogul.source.split import STATUSES

from ..conftest import MOGUL, subprocess_env
from .conftest import Target
from .fake_api import API_KEY, FakeServer, generate
from .helpers import Result, configured, run_source

CATALOG = discover()["catalog"]
COUNT = re.compile(r"per_page=1(&|$)")  # the split's count requests


def collect(config: dict[str, Any], catalog: dict[str, Any], state: Any = None) -> tuple[list[dict[str, Any]], Any]:
    messages: list[dict[str, Any]] = []
    try:
        for message in read(config, catalog, state):
            messages.append(message)
    except ReadFailed as exc:
        return messages, exc
    return messages, None


def as_result(messages: list[dict[str, Any]]) -> Result:
    return Result(0, messages, "", "")


@pytest.fixture
def small() -> FakeServer:
    with FakeServer(generate(customers=30, activities=300, days=200)) as srv:
        yield srv


def test_bad_key_fails_every_stream_as_config_error_without_leaking_it(work: Path, fake_target: Target) -> None:
    secret = "sk-secret-should-never-show-42"
    only = {"customers", "activities", "plans"}
    result = run_source(work, "read", fake_target.config(api_key=secret), configured(CATALOG, only=only))
    assert result.code == 1
    errors = result.traces("ERROR")
    assert {e["error"]["stream_descriptor"]["name"] for e in errors} == only
    assert {e["error"]["failure_type"] for e in errors} == {"config_error"}
    for stream in only:
        assert result.statuses(stream)[-1] == "INCOMPLETE"
    assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_exhausted_retries_are_transient_and_other_streams_complete(small: FakeServer) -> None:
    # The failing body even quotes the key: it must be redacted from every message.
    small.app.fail_paths["/v1/plans"] = (500, f'{{"error":"boom for {API_KEY}"}}'.encode(), {})
    config = Target("x", small.base_url, API_KEY, None).config(max_attempts=2)
    messages, failed = collect(config, configured(CATALOG, only={"plans", "customers"}))
    result = as_result(messages)
    assert isinstance(failed, ReadFailed) and failed.failure_type == "transient_error"
    [error] = result.traces("ERROR")
    assert error["error"]["failure_type"] == "transient_error"
    assert error["error"]["stream_descriptor"] == {"name": "plans"}
    assert result.statuses("plans")[-1] == "INCOMPLETE"
    assert result.statuses("customers")[-1] == "COMPLETE"
    assert len(result.records("customers")) == 30
    assert API_KEY not in str(messages)
    assert sum(1 for r in small.app.requests if r.startswith("/v1/plans")) == 2


def test_not_found_is_a_system_error(small: FakeServer) -> None:
    small.app.fail_paths["/v1/invoices"] = (404, b'{"error":"Not found"}', {})
    config = Target("x", small.base_url, API_KEY, None).config()
    messages, failed = collect(config, configured(CATALOG, only={"invoices"}))
    assert failed is not None and failed.failure_type == "system_error"
    [error] = as_result(messages).traces("ERROR")
    assert "base_url" in error["error"]["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"api_key": ""}, "api_key"),
        ({"start_date": "25/01/2017"}, "start_date"),
        ({"start_date": None}, "start_date"),
        ({"interval": "year"}, "interval"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"page_size": 500}, "page_size"),
        ({"requests_per_second": 0}, "requests_per_second"),
        ({"end_date": "2000-01-01T00:00:00Z"}, "end_date"),
        ({"lookback_window_days": "soon"}, "lookback_window_days"),
    ],
)
def test_invalid_config_is_one_line_naming_the_field(
    work: Path, fake_target: Target, change: dict[str, Any], field: str
) -> None:
    config = fake_target.config(**change)
    checked = run_source(work, "check", config)
    assert checked.code == 0
    [status] = checked.of("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "FAILED"
    assert field in status["connectionStatus"]["message"] and "\n" not in status["connectionStatus"]["message"]
    result = run_source(work, "read", config, configured(CATALOG, only={"plans"}))
    assert result.code == 1
    [error] = result.traces("ERROR")
    assert error["error"]["failure_type"] == "config_error" and field in error["error"]["message"]
    assert "Traceback" not in result.stderr + result.stdout


def test_unreadable_inputs_are_config_errors(work: Path, fake_target: Target) -> None:
    result = run_source(work, "read", fake_target.config(), b"{not json")
    assert result.code == 1
    [error] = result.traces("ERROR")
    assert error["error"]["failure_type"] == "config_error" and "catalog" in error["error"]["message"]


def test_pyairbyte_catalog_and_state_shapes(small: FakeServer) -> None:
    """PyAirbyte: incremental on every stream, `[]` first, then pydantic dumps with null keys."""
    config = Target("x", small.base_url, API_KEY, None).config()
    catalog = {
        "streams": [
            {
                "stream": s,
                "sync_mode": "incremental",
                "destination_sync_mode": "overwrite",
                "cursor_field": None,
                "primary_key": None,
                "generation_id": None,
                "minimum_generation_id": None,
                "sync_id": None,
            }
            for s in CATALOG["streams"]
            if s["name"] in {"customers", "activities", "plans"}
        ]
    }
    first, failed = collect(config, catalog, [])
    assert failed is None
    counts = Counter(m["record"]["stream"] for m in first if m["type"] == "RECORD")
    assert counts == {"customers": 30, "activities": 300, "plans": 3}
    dumped = [
        {
            "type": "STREAM",
            "stream": {**m["state"]["stream"], "stream_descriptor": {"name": name, "namespace": None}},
            "global_": None,
            "data": None,
            "sourceStats": {"recordCount": 1.0},
            "destinationStats": None,
            "rejectedRecordCount": None,
        }
        for m in first
        if m["type"] == "STATE"
        for name in [m["state"]["stream"]["stream_descriptor"]["name"]]
    ]
    second, failed = collect(config, catalog, dumped)
    assert failed is None
    counts = Counter(m["record"]["stream"] for m in second if m["type"] == "RECORD")
    assert counts == {"customers": 30, "plans": 3}  # full-refresh streams again; no activity twice


def test_429_retry_after_is_honoured_and_reported_as_rate_limited(small: FakeServer) -> None:
    small.app.rps = 3.0  # the server's bucket: 3 requests, then 429 + Retry-After
    small.app._tokens = 3.0
    config = Target("x", small.base_url, API_KEY, None).config(page_size=5, max_attempts=8)
    messages, failed = collect(config, configured(CATALOG, only={"customers", "plans"}))
    result = as_result(messages)
    assert failed is None
    assert len(result.records("customers")) == 30
    assert small.app.throttled > 0
    limited = [t for t in result.traces("STREAM_STATUS") if "reasons" in t["stream_status"]]
    assert limited
    for trace in limited:
        assert trace["stream_status"]["status"] == "RUNNING"
        [reason] = trace["stream_status"]["reasons"]
        assert reason["type"] == "RATE_LIMITED" and reason["rate_limited"]["quota_reset"] > trace["emitted_at"]


def test_client_side_limiter_avoids_429s(small: FakeServer) -> None:
    small.app.rps = 20.0
    small.app._tokens = 20.0
    config = Target("x", small.base_url, API_KEY, None).config(page_size=10, requests_per_second=10)
    messages, failed = collect(config, configured(CATALOG, only={"customers", "activities", "plans"}))
    assert failed is None
    assert len(as_result(messages).records("activities")) == 300
    assert len(small.app.requests) > 20  # more than the server's burst, so the limiter had to space them
    assert small.app.throttled == 0


def test_wire_requests_cursor_pagination_and_windows(small: FakeServer) -> None:
    config = Target("x", small.base_url, API_KEY, None).config(page_size=7, window_days=30)
    messages, failed = collect(config, configured(CATALOG, only={"customers", "activities"}))
    assert failed is None
    customers = [r for r in small.app.requests if r.startswith("/v1/customers")]
    assert not any("page=" in r.replace("per_page=", "") for r in customers)
    chains = [r for r in customers if not COUNT.search(r)]
    assert all("status=" in r for r in chains)  # 30 customers, 7 a page: split by status
    assert len([r for r in chains if "cursor=" not in r]) == len(STATUSES)  # each chain starts without a cursor
    assert len([r for r in chains if "status=Active" in r]) == 4  # 25 active customers, 7 a page
    activities = [r for r in small.app.requests if r.startswith("/v1/activities")]
    assert all("start-date=" in r and "per_page=7" in r for r in activities)
    windows = {r.split("start-date=")[1].split("&")[0] for r in activities}
    assert len(windows) > 5  # the range was cut into windows
    uuids = [m["record"]["data"]["uuid"] for m in messages if m["type"] == "RECORD"]
    assert len(uuids) == len(set(uuids)) == 330  # no record twice across window edges


def two_sources(srv: FakeServer) -> tuple[str, str]:
    """A second data source holding every third customer, one customer merged into both, some cancelled."""
    data = srv.app.data
    first = data.data_sources[0]["uuid"]
    second = "ds_00000000-0000-4000-8000-000000000002"
    data.data_sources.append({**data.data_sources[0], "uuid": second, "name": "Stripe"})
    for n, customer in enumerate(data.customers):
        if n % 3 == 0:
            customer["data_source_uuid"], customer["data_source_uuids"] = second, [second]
        if n % 5 == 0 and customer["status"] == "Active":
            customer["status"] = "Cancelled"
    data.customers[1]["data_source_uuids"] = [first, second]
    return first, second


def customer_chains(srv: FakeServer) -> list[str]:
    return [r for r in srv.app.requests if r.startswith("/v1/customers?") and not COUNT.search(r)]


def test_customers_are_read_per_data_source_and_status_once_each(small: FakeServer) -> None:
    first, second = two_sources(small)
    config = Target("x", small.base_url, API_KEY, None).config(page_size=3)
    messages, failed = collect(config, configured(CATALOG, only={"customers", "subscriptions"}))
    assert failed is None
    result = as_result(messages)
    customers = [r["data"]["uuid"] for r in result.records("customers")]
    assert sorted(customers) == sorted(c["uuid"] for c in small.app.data.customers)  # each once, the merged one too
    subscriptions = [r["data"]["uuid"] for r in result.records("subscriptions")]
    assert len(subscriptions) == len(set(subscriptions)) == sum(map(len, small.app.data.subscriptions.values()))
    chains = customer_chains(small)
    for ds in (first, second):  # 20 and 10 customers, more than 3 pages of 3: one chain per status each
        assert {r.split("status=")[1].split("&")[0] for r in chains if f"data_source_uuid={ds}" in r} == set(STATUSES)
    assert not [m for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]


def test_a_small_data_source_is_one_chain(small: FakeServer) -> None:
    _, second = two_sources(small)
    config = Target("x", small.base_url, API_KEY, None).config(page_size=4)  # 10 customers: 3 pages or fewer
    messages, failed = collect(config, configured(CATALOG, only={"customers"}))
    assert failed is None
    assert len(as_result(messages).records("customers")) == 30
    mine = [r for r in customer_chains(small) if f"data_source_uuid={second}" in r]
    assert len(mine) == 3 and not any("status=" in r for r in mine)


def test_a_status_change_during_the_read_is_caught_and_read_again(small: FakeServer) -> None:
    """A lead becomes active after the `Active` chain has passed it and before the `New_Lead` chain reaches it:
    neither chain lists it, the recount notices, and the source is read again as one chain."""
    lead = next(c for c in small.app.data.customers if c["status"] == "New Lead")

    def convert(path: str, query: dict[str, str]) -> None:
        if path == "/v1/customers" and query.get("status") == "New_Lead" and not query.get("cursor"):
            lead["status"] = "Active"

    small.app.before = convert
    # One connection: the chains run one after another, in the order of STATUSES (Active first).
    config = Target("x", small.base_url, API_KEY, None).config(page_size=5, max_connections=1)
    messages, failed = collect(config, configured(CATALOG, only={"customers"}))
    assert failed is None
    customers = [r["data"]["uuid"] for r in as_result(messages).records("customers")]
    assert sorted(customers) == sorted(c["uuid"] for c in small.app.data.customers)
    [warning] = [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    assert "29 seen, 30 counted" in warning
    assert len([r for r in customer_chains(small) if "status=" not in r]) == 6  # the re-read: 30 customers, 5 a page


def test_customers_of_an_unlisted_data_source_are_not_lost(small: FakeServer) -> None:
    small.app.data.customers[4]["data_source_uuids"] = ["ds_not_listed"]
    config = Target("x", small.base_url, API_KEY, None).config(page_size=10)
    messages, failed = collect(config, configured(CATALOG, only={"customers"}))
    assert failed is None
    customers = [r["data"]["uuid"] for r in as_result(messages).records("customers")]
    assert sorted(customers) == sorted(c["uuid"] for c in small.app.data.customers)
    [warning] = [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    assert "29 customers read, 30 counted" in warning


def test_subscriptions_are_read_per_customer(small: FakeServer) -> None:
    config = Target("x", small.base_url, API_KEY, None).config()
    messages, failed = collect(config, configured(CATALOG, only={"subscriptions"}))
    assert failed is None
    records = as_result(messages).records("subscriptions")
    expected = {c: subs for c, subs in small.app.data.subscriptions.items() if subs}
    got: dict[str, list[str]] = {}
    for record in records:
        got.setdefault(record["data"]["customer_uuid"], []).append(record["data"]["uuid"])
    assert got == {c: [s["uuid"] for s in subs] for c, subs in expected.items()}
    per_customer = [r for r in small.app.requests if r.endswith("/subscriptions?per_page=200")]
    assert len(per_customer) == 30


def test_abandoning_the_iterator_stops_every_worker(small: FakeServer) -> None:
    small.app.latency = 0.05
    config = Target("x", small.base_url, API_KEY, None).config(page_size=5, requests_per_second=50)
    iterator = read(config, configured(CATALOG), None)
    for message in iterator:
        if message["type"] == "RECORD":
            break
    iterator.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("mogul-source")]


def test_mogul_source_command(work: Path) -> None:
    proc = subprocess.run([*MOGUL, "source", "spec"], capture_output=True, env=subprocess_env(), timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith(b'{"type":"SPEC"')
