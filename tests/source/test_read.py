"""`read()` in-process and as a subprocess, against `mogul.server` on a port: faults, error mapping, secrets, rate
limits, PyAirbyte's catalogs and states, pagination on the wire, the customers read while the data changes
under it, and clean shutdown."""

from __future__ import annotations

import random
import re
import subprocess
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mogul.client import Client
from mogul.server import processing
from mogul.server.app import Stores
from mogul.server.settings import ServerSettings
from mogul.source import ReadFailed, discover, read
from mogul.source.customers import STATUSES

from ..conftest import MOGUL, subprocess_env
from .conftest import Account, Target, open_account
from .helpers import Result, configured, run_source

CATALOG = discover()["catalog"]
COUNT = re.compile(r"per_page=1(&|$)")  # the customers read's counts


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


def warnings(messages: list[dict[str, Any]]) -> list[str]:
    return [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]


def customers_now(account: Account) -> dict[str, str]:
    """Every customer's uuid and status, through the API."""
    with Client(account.key, account.served.base_url) as client:
        return {c.uuid: c.status for c in client.customers.list()}


def customer_chains(account: Account) -> list[str]:
    return [r for r in account.served.paths("/v1/customers?") if not COUNT.search(r)]


@pytest.fixture
def throttled(tmp_path: Path) -> Any:
    yield from open_account(tmp_path, ServerSettings(rate_limit=3))


def test_bad_key_fails_every_stream_as_config_error_without_leaking_it(work: Path, target: Target) -> None:
    secret = "sk-secret-should-never-show-42"
    only = {"customers", "activities", "plans"}
    result = run_source(work, "read", target.config(api_key=secret), configured(CATALOG, only=only))
    assert result.code == 1
    errors = result.traces("ERROR")
    assert {e["error"]["stream_descriptor"]["name"] for e in errors} == only
    assert {e["error"]["failure_type"] for e in errors} == {"config_error"}
    for stream in only:
        assert result.statuses(stream)[-1] == "INCOMPLETE"
    assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_exhausted_retries_are_transient_and_other_streams_complete(account: Account) -> None:
    # The failing body even quotes the key: it must be redacted from every message.
    account.served.fail["/v1/plans"] = (500, f'{{"error":"boom for {account.key}"}}'.encode())
    messages, failed = collect(account.config(max_attempts=2), configured(CATALOG, only={"plans", "customers"}))
    result = as_result(messages)
    assert isinstance(failed, ReadFailed) and failed.failure_type == "transient_error"
    [error] = result.traces("ERROR")
    assert error["error"]["failure_type"] == "transient_error"
    assert error["error"]["stream_descriptor"] == {"name": "plans"}
    assert result.statuses("plans")[-1] == "INCOMPLETE"
    assert result.statuses("customers")[-1] == "COMPLETE"
    assert len(result.records("customers")) == len(account.seeded.customers)
    assert account.key not in str(messages)
    assert len(account.served.paths("/v1/plans")) == 2


def test_not_found_is_a_system_error(account: Account) -> None:
    account.served.fail["/v1/invoices"] = (404, b'{"error":"Not found"}')
    messages, failed = collect(account.config(), configured(CATALOG, only={"invoices"}))
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
    work: Path, target: Target, change: dict[str, Any], field: str
) -> None:
    config = target.config(**change)
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


def test_unreadable_inputs_are_config_errors(work: Path, target: Target) -> None:
    result = run_source(work, "read", target.config(), b"{not json")
    assert result.code == 1
    [error] = result.traces("ERROR")
    assert error["error"]["failure_type"] == "config_error" and "catalog" in error["error"]["message"]


def test_pyairbyte_catalog_and_state_shapes(account: Account) -> None:
    """PyAirbyte: incremental on every stream, `[]` first, then pydantic dumps with null keys."""
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
    first, failed = collect(account.config(), catalog, [])
    assert failed is None
    counts = Counter(m["record"]["stream"] for m in first if m["type"] == "RECORD")
    customers, activities = len(account.seeded.customers), account.seeded.activities
    assert counts == {"customers": customers, "activities": activities, "plans": counts["plans"]}
    assert counts["plans"] > 0
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
    second, failed = collect(account.config(lookback_window_days=0), catalog, dumped)
    assert failed is None
    again = Counter(m["record"]["stream"] for m in second if m["type"] == "RECORD")
    assert again == {"customers": customers, "plans": counts["plans"]}  # full-refresh streams again; no activity twice


def test_429_retry_after_is_honoured_and_reported_as_rate_limited(throttled: Account) -> None:
    """The server allows 3 requests a second and answers 429 with Retry-After beyond that."""
    config = throttled.config(page_size=10, max_attempts=8)
    messages, failed = collect(config, configured(CATALOG, only={"customers", "plans"}))
    result = as_result(messages)
    assert failed is None
    assert len(result.records("customers")) == len(throttled.seeded.customers)
    limited = [t for t in result.traces("STREAM_STATUS") if "reasons" in t["stream_status"]]
    assert limited
    for trace in limited:
        assert trace["stream_status"]["status"] == "RUNNING"
        [reason] = trace["stream_status"]["reasons"]
        assert reason["type"] == "RATE_LIMITED" and reason["rate_limited"]["quota_reset"] > trace["emitted_at"]


def test_client_side_limiter_avoids_429s(tmp_path: Path) -> None:
    for account in open_account(tmp_path, ServerSettings(rate_limit=10)):
        config = account.config(page_size=10, requests_per_second=8)
        messages, failed = collect(config, configured(CATALOG, only={"customers", "activities", "plans"}))
        assert failed is None
        assert len(as_result(messages).records("activities")) == account.seeded.activities
        assert len(account.served.requests) > 10  # more than the server's bucket, so the limiter had to space them
        assert not [t for t in as_result(messages).traces("STREAM_STATUS") if "reasons" in t["stream_status"]]


def test_wire_requests_cursor_pagination_and_windows(account: Account) -> None:
    config = account.config(page_size=7, window_days=90)
    messages, failed = collect(config, configured(CATALOG, only={"customers", "activities"}))
    assert failed is None
    customers = account.served.paths("/v1/customers")
    assert not any("page=" in r.replace("per_page=", "") for r in customers)
    chains = customer_chains(account)
    assert all("status=" in r for r in chains)  # 30 customers, 7 a page: one chain per status
    assert len([r for r in chains if "cursor=" not in r]) == len(STATUSES)  # each chain starts without a cursor
    activities = account.served.paths("/v1/activities")
    assert all("start-date=" in r and "per_page=7" in r for r in activities)
    windows = {r.split("start-date=")[1].split("&")[0] for r in activities}
    assert len(windows) > 5  # the range was cut into windows
    uuids = [m["record"]["data"]["uuid"] for m in messages if m["type"] == "RECORD"]
    assert len(uuids) == len(set(uuids)) == len(account.seeded.customers) + account.seeded.activities
    assert not warnings(messages)  # nothing changed: no second read


def test_a_small_account_is_one_unfiltered_chain(account: Account) -> None:
    config = account.config(page_size=10)  # 30 customers: 3 pages
    messages, failed = collect(config, configured(CATALOG, only={"customers"}))
    assert failed is None
    assert len(as_result(messages).records("customers")) == len(account.seeded.customers)
    chains = customer_chains(account)
    assert len(chains) == 3 and not any("status=" in r for r in chains)
    assert len(account.served.paths("/v1/customers")) == 4  # and the count, never repeated


def test_a_status_change_behind_the_chains_is_caught_and_read_again(account: Account) -> None:
    """A qualified lead becomes a new lead after the `New_Lead` chain has passed it and before the
    `Qualified_Lead` chain reaches it: no status chain lists it, the recount notices, the list is read again."""
    stores = Stores.on(account.db)
    with Client(account.key, account.served.base_url) as client:
        lead = client.customers.create(account.seeded.data_sources[0], "qualified-lead", name="Q")
        client.customers.update(lead.uuid, status="Qualified_Lead")

    def change(path: str, query: dict[str, str]) -> None:
        if path == "/v1/customers" and query.get("status") == "Working_Lead" and not query.get("cursor"):
            stores.customers.update(lead.uuid, {"status": "New_Lead"})

    account.served.before = change
    before = customers_now(account)
    # One connection: the chains run one after another, in the order of STATUSES.
    messages, failed = collect(account.config(page_size=5, max_connections=1), configured(CATALOG, only={"customers"}))
    assert failed is None
    emitted = [r["data"]["uuid"] for r in as_result(messages).records("customers")]
    assert sorted(emitted) == sorted(before)
    [warning] = warnings(messages)
    assert "changed while being read" in warning
    reread = [r for r in customer_chains(account) if "status=" not in r and "per_page=5" in r]
    assert len(reread) == 7  # 31 customers, 5 a page


def changes_during_a_read(account: Account, seed: int) -> tuple[list[dict[str, Any]], set[str]]:
    """Read the customers while, at random requests of the read, leads move between the lead statuses, paying
    customers churn or come back (their subscriptions cancelled today, or the cancellations taken back), and
    customers are deleted. Returns the messages and the customers present from start to end."""
    rng = random.Random(seed)
    stores = Stores.on(account.db)
    today = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lead_statuses = ("New_Lead", "Working_Lead", "Qualified_Lead", "Unqualified_Lead")
    with Client(account.key, account.served.base_url) as client:
        for n in range(12):  # leads in every lead status, so the moves cross chains both ways
            lead = client.customers.create(account.seeded.data_sources[0], f"lead-{n}", name=f"Lead {n}")
            client.customers.update(lead.uuid, status=lead_statuses[n % 4])
        present = {c.uuid: c.status for c in client.customers.list()}
        subscriptions = {uuid: [s.uuid for s in client.subscriptions.list(uuid)] for uuid in account.seeded.customers}
    leads = [uuid for uuid, status in present.items() if status.endswith("Lead")]
    paying = [uuid for uuid in subscriptions if subscriptions[uuid]]
    deleted: set[str] = set()
    cancelled: set[str] = set()
    lock = threading.Lock()

    def change(path: str, query: dict[str, str]) -> None:
        if path != "/v1/customers" or rng.random() > 0.8:
            return
        with lock:
            action = rng.choice(["lead", "lead", "churn", "churn", "delete"])
            if action == "lead":
                stores.customers.update(rng.choice(leads), {"status": rng.choice(lead_statuses)})
            elif action == "churn":  # cancel every subscription today, or take the cancellations back
                uuid = rng.choice([uuid for uuid in paying if uuid not in deleted])
                body = {"cancellation_dates": []} if uuid in cancelled else {"cancelled_at": today}
                for subscription in subscriptions[uuid]:
                    stores.subscriptions.cancel(subscription, body)
                cancelled.symmetric_difference_update({uuid})
                processing.drain(account.db)
            else:
                victim = rng.choice([uuid for uuid in present if uuid not in deleted and uuid not in leads])
                stores.customers.delete(victim)
                deleted.add(victim)

    account.served.before = change
    config = account.config(page_size=2, max_connections=rng.choice([1, 3, 20]))
    messages, failed = collect(config, configured(CATALOG, only={"customers"}))
    assert failed is None
    return messages, set(present) - deleted


@pytest.mark.parametrize("seed", range(6))
def test_customers_present_throughout_are_emitted_exactly_once_while_statuses_change_and_customers_go(
    account: Account, seed: int
) -> None:
    messages, present_throughout = changes_during_a_read(account, seed)
    emitted = Counter(r["data"]["uuid"] for r in as_result(messages).records("customers"))
    assert max(emitted.values()) == 1
    assert present_throughout <= set(emitted), present_throughout - set(emitted)


def test_customers_created_during_the_read_are_noticed(account: Account) -> None:
    """Customers created while the chains run move the count: the list is read again, and every customer present
    from start to end is emitted once."""
    stores = Stores.on(account.db)
    source = account.seeded.data_sources[0]
    created: list[str] = []

    def create(path: str, query: dict[str, str]) -> None:
        if path == "/v1/customers" and query.get("status") and not query.get("cursor"):
            created.append(
                stores.customers.create({"data_source_uuid": source, "external_id": f"new-{len(created)}"})["uuid"]
            )

    before = customers_now(account)
    account.served.before = create
    messages, failed = collect(account.config(page_size=5), configured(CATALOG, only={"customers"}))
    assert failed is None
    emitted = Counter(r["data"]["uuid"] for r in as_result(messages).records("customers"))
    assert max(emitted.values()) == 1 and set(before) <= set(emitted) and len(created) == len(STATUSES)
    assert any("changed while being read" in w for w in warnings(messages))


def test_subscriptions_are_read_per_customer(account: Account) -> None:
    messages, failed = collect(account.config(), configured(CATALOG, only={"subscriptions"}))
    assert failed is None
    per_customer = [r for r in account.served.requests if r.endswith("/subscriptions?per_page=200")]
    assert len(per_customer) == len(account.seeded.customers)
    got: dict[str, list[str]] = {}
    for record in as_result(messages).records("subscriptions"):
        got.setdefault(record["data"]["customer_uuid"], []).append(record["data"]["uuid"])
    with Client(account.key, account.served.base_url) as client:
        expected = {
            uuid: [s.uuid for s in subscriptions]
            for uuid in account.seeded.customers
            if (subscriptions := client.customer_subscriptions.list(uuid).all())
        }
    assert got == expected and expected


def test_abandoning_the_iterator_stops_every_worker(tmp_path: Path) -> None:
    for account in open_account(tmp_path, ServerSettings(latency=0.05)):
        iterator = read(account.config(page_size=5, requests_per_second=50), configured(CATALOG), None)
        for message in iterator:
            if message["type"] == "RECORD":
                break
        iterator.close()
        assert not [t for t in threading.enumerate() if t.name.startswith("mogul-source")]


def test_mogul_source_command(work: Path) -> None:
    proc = subprocess.run([*MOGUL, "source", "spec"], capture_output=True, env=subprocess_env(), timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith(b'{"type":"SPEC"')
