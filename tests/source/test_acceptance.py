"""Airbyte's Connector Acceptance Tests, re-implemented: the executable runs as a subprocess against
`mogul serve`, exactly as a platform would run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema

from mogul.source import STREAMS
from mogul.source.cursor import parse_cursor_date

from .conftest import Target
from .helpers import Result, configured, final_states, run_source, validate_records

INCREMENTAL = {stream.name for stream in STREAMS if stream.incremental}
FORBIDDEN = {"not", "anyOf", "allOf", "if", "then", "else", "patternProperties", "prefixItems", "$ref"}


def walk(schema: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    out = []
    if isinstance(schema, dict):
        out.append((path, schema))
        for key, value in schema.items():
            out += walk(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            out += walk(value, f"{path}/{i}")
    return out


def discover(work: Path, target: Target) -> dict[str, Any]:
    result = run_source(work, "discover", target.config())
    assert result.code == 0, result.stderr
    [message] = result.of("CATALOG")
    catalog = message["catalog"]
    if target.streams is not None:
        catalog = {"streams": [s for s in catalog["streams"] if s["name"] in target.streams]}
    return catalog


# ---- spec -----------------------------------------------------------------------------------


def test_spec(work: Path, target: Target) -> None:
    result = run_source(work, "spec")
    assert result.code == 0
    assert [m["type"] for m in result.messages] == ["SPEC"]
    spec = result.messages[0]["spec"]
    schema = spec["connectionSpecification"]
    jsonschema.Draft7Validator.check_schema(schema)
    assert spec["documentationUrl"].startswith("https://")
    assert schema["additionalProperties"] is True
    assert schema["properties"]["api_key"]["airbyte_secret"] is True
    assert schema["properties"]["interval"]["enum"] == ["day", "week", "month", "quarter"]
    assert schema["properties"]["interval"]["default"] == "month"
    assert schema["properties"]["base_url"]["default"] == "https://api.chartmogul.com"
    jsonschema.validate(target.config(), schema)  # test_config_match_spec
    for path, node in walk(schema["properties"]):
        assert not FORBIDDEN & node.keys(), path
        kind = node.get("type")
        if isinstance(kind, list):  # test_property_type_is_not_array: only [T, "null"]
            assert len(kind) == 2 and "null" in kind, path
        if "enum" in node:
            assert len(set(node["enum"])) == len(node["enum"]), path


# ---- connection -----------------------------------------------------------------------------


def test_check_succeeds(work: Path, target: Target) -> None:
    result = run_source(work, "check", target.config())
    assert result.code == 0
    assert result.messages == [{"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}}]


def test_check_bad_key_fails_cleanly(work: Path, target: Target) -> None:
    secret = "wrong-key-7f3a9c2e51"
    result = run_source(work, "check", target.config(api_key=secret))
    assert result.code == 0
    [status] = result.of("CONNECTION_STATUS")
    assert len(result.of("CONNECTION_STATUS")) == 1
    assert status["connectionStatus"]["status"] == "FAILED"
    assert "api_key" in status["connectionStatus"]["message"]
    assert "401" in status["connectionStatus"]["message"]
    assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_check_unreachable_host_fails_cleanly(work: Path, target: Target, unused_port: int) -> None:
    result = run_source(work, "check", target.config(base_url=f"http://127.0.0.1:{unused_port}"))
    assert result.code == 0
    [status] = result.of("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "FAILED"
    assert f"127.0.0.1:{unused_port}" in status["connectionStatus"]["message"]
    assert "base_url" in status["connectionStatus"]["message"]


# ---- discovery ------------------------------------------------------------------------------


def test_discovery(work: Path, target: Target) -> None:
    result = run_source(work, "discover", target.config())
    assert result.code == 0
    assert [m["type"] for m in result.messages] == ["CATALOG"]
    streams = result.messages[0]["catalog"]["streams"]
    assert len(streams) >= 1
    for stream in streams:
        schema = stream["json_schema"]
        jsonschema.Draft7Validator.check_schema(schema)
        assert stream["supported_sync_modes"], stream["name"]
        for path in stream["source_defined_primary_key"]:  # test_primary_keys_exist_in_schema
            assert path[0] in schema["properties"], (stream["name"], path)
            assert schema["properties"][path[0]]["type"] != ["null"]
        if "incremental" in stream["supported_sync_modes"]:  # test_defined_cursors_exist_in_schema
            assert stream["source_defined_cursor"] is True
            assert stream["default_cursor_field"][0] in schema["properties"]
        for path, node in walk(schema):
            assert not FORBIDDEN & node.keys(), (stream["name"], path)
            if "additionalProperties" in node:
                assert node["additionalProperties"] is True, (stream["name"], path)


# ---- basic read -----------------------------------------------------------------------------


def assert_statuses(result: Result, stream: str) -> None:
    statuses = result.statuses(stream)
    assert statuses[0] == "STARTED" and statuses[-1] == "COMPLETE", (stream, statuses)
    assert "RUNNING" in statuses and len(statuses) >= 3, (stream, statuses)


def test_basic_read(work: Path, target: Target) -> None:
    catalog = discover(work, target)
    result = run_source(work, "read", target.config(), configured(catalog))
    assert result.code == 0, result.stderr
    assert not result.traces("ERROR")
    validate_records(result, catalog)
    records = result.by_stream()
    for stream in catalog["streams"]:
        name = stream["name"]
        assert records[name], f"{name} emitted no records"
        assert_statuses(result, name)
        # STATE after the records it covers: the stream's last message of those kinds is a STATE.
        kinds = [
            m["type"]
            for m in result.messages
            if (m["type"] == "RECORD" and m["record"]["stream"] == name)
            or (m["type"] == "STATE" and m["state"]["stream"]["stream_descriptor"]["name"] == name)
        ]
        assert kinds[-1] == "STATE", name
    assert "Traceback" not in result.stderr


def test_records_carry_the_api_field_names(work: Path, target: Target) -> None:
    catalog = discover(work, target)
    result = run_source(work, "read", target.config(), configured(catalog, only={"customers", "activities"}))
    customers = result.by_stream()["customers"]
    assert {"customer-since", "billing-system-type", "chartmogul-url", "owner"} <= customers[0].keys()
    assert any("website_url" in c for c in customers)
    assert "customer_since" not in customers[0]
    assert "activity-mrr-movement" in result.by_stream()["activities"][0]


# ---- full refresh ---------------------------------------------------------------------------


def test_full_refresh_twice(work: Path, target: Target) -> None:
    catalog = discover(work, target)
    first = run_source(work, "read", target.config(), configured(catalog))
    second = run_source(work, "read", target.config(), configured(catalog))
    assert first.code == second.code == 0
    for stream in catalog["streams"]:
        key = stream["source_defined_primary_key"][0][0]
        a = {r[key]: r for r in first.by_stream()[stream["name"]]}
        b = {r[key]: r for r in second.by_stream()[stream["name"]]}
        assert a and a.items() <= b.items(), stream["name"]


# ---- incremental ----------------------------------------------------------------------------


def cursor_of(record: dict[str, Any]) -> Any:
    return parse_cursor_date(record["date"])


def incremental_catalog(work: Path, target: Target) -> dict[str, Any]:
    catalog = discover(work, target)
    return configured(catalog, "incremental", only=INCREMENTAL)


def test_incremental_two_reads(work: Path, target: Target) -> None:
    catalog = incremental_catalog(work, target)
    first = run_source(work, "read", target.config(), catalog)
    assert first.code == 0
    assert first.records() and first.states()
    states = final_states(first)
    second = run_source(work, "read", target.config(), catalog, states)
    assert second.code == 0
    assert second.records("activities") == []  # nothing new, the boundary not re-emitted
    saved = {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in states}
    for record in second.records():  # metric series re-read their latest period, never older ones
        assert cursor_of(record["data"]) >= parse_cursor_date(saved[record["stream"]]["date"])


def test_incremental_with_lookback_rereads_the_window_only(work: Path, target: Target) -> None:
    catalog = incremental_catalog(work, target)
    config = target.config(lookback_window_days=30)
    first = run_source(work, "read", config, catalog)
    saved = first.states("activities")[-1]["stream"]["stream_state"]
    second = run_source(work, "read", config, catalog, final_states(first))
    again = second.records("activities")
    boundary = parse_cursor_date(saved["date"])
    expected = {
        r["data"]["uuid"]
        for r in first.records("activities")
        if (boundary - cursor_of(r["data"])).days < 30 and r["data"]["uuid"] not in saved["boundary_uuids"]
    }
    assert expected and {r["data"]["uuid"] for r in again} == expected


def test_reads_from_every_intermediate_state(work: Path, target: Target) -> None:
    catalog = incremental_catalog(work, target)
    catalog["streams"] = [s for s in catalog["streams"] if s["stream"]["name"] == "activities"]
    # About a dozen 120-day windows over the history.
    # One connection: the windows finish in order, so each one checkpoints (in parallel they may finish together).
    config = target.config(window_days=120, max_connections=1)
    first = run_source(work, "read", config, catalog)
    everything = {r["data"]["uuid"] for r in first.records()}
    states = first.states("activities")
    assert len(states) >= 5
    for state in states:
        position = next(i for i, m in enumerate(first.messages) if m.get("state") is state)
        before = {m["record"]["data"]["uuid"] for m in first.messages[:position] if m["type"] == "RECORD"}
        resumed = run_source(work, "read", config, catalog, [state])
        assert resumed.code == 0
        after = {r["data"]["uuid"] for r in resumed.records()}
        floor = parse_cursor_date(state["stream"]["stream_state"]["date"])
        assert all(cursor_of(r["data"]) >= floor for r in resumed.records())
        assert before | after == everything  # nothing lost from any checkpoint
        assert not before & after - {  # nothing re-emitted that the checkpoint covered
            r["data"]["uuid"] for r in first.records() if cursor_of(r["data"]) > floor
        }


def test_abnormally_large_state_gives_no_records(work: Path, target: Target) -> None:
    catalog = incremental_catalog(work, target)
    future = [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": s["stream"]["name"]}, "stream_state": {"date": d}}}
        for s in catalog["streams"]
        for d in ["2099-01-01T00:00:00Z" if s["stream"]["name"] == "activities" else "2099-01-01"]
    ]
    result = run_source(work, "read", target.config(), catalog, future)
    assert result.code == 0
    assert result.records() == []
    for stream in INCREMENTAL:
        assert_statuses(result, stream)


# ---- failure --------------------------------------------------------------------------------


def test_trace_message_on_failure(work: Path, target: Target) -> None:
    bad = {"streams": [{"stream": {"name": "no_such_stream", "json_schema": {}}, "sync_mode": "INVALID"}]}
    result = run_source(work, "read", target.config(), bad)
    assert result.code != 0
    [error] = result.traces("ERROR")
    assert error["error"]["failure_type"] == "config_error"
    assert "sync_mode" in error["error"]["message"]


# ---- against the server's own data ----------------------------------------------------------


def test_serve_every_record_exactly_once(work: Path, serve_target: Target) -> None:
    """Each stream holds what the server's database holds, once: split chains and windows lose and repeat
    nothing."""
    catalog = discover(work, serve_target)
    result = run_source(work, "read", serve_target.config(page_size=7), configured(catalog))
    assert result.code == 0, result.stderr
    validate_records(result, catalog)
    records = result.by_stream()
    seeded = serve_target.extra["seeded"]
    for stream in catalog["streams"]:
        key = stream["source_defined_primary_key"][0][0]
        keys = [r[key] for r in records[stream["name"]]]
        assert len(keys) == len(set(keys)), stream["name"]
    assert {c["uuid"]: c["data_source_uuid"] for c in records["customers"]} == seeded.customers
    assert len(records["data_sources"]) == 3
    with_history = {a["customer-uuid"] for a in records["activities"]}
    assert with_history and with_history <= {s["customer_uuid"] for s in records["subscriptions"]}
    assert len(records["invoices"]) == seeded.invoices
    assert len(records["activities"]) == seeded.activities
    movements = sum(a["activity-mrr-movement"] for a in records["activities"])
    assert movements == records["metrics"][-1]["mrr"]  # the activities add up to today's MRR
    groups = {g["uuid"]: sorted(g["plan_uuids"]) for g in records["plan_groups"]}
    assert groups == {uuid: sorted(plans) for uuid, plans in seeded.plan_groups.items()}  # paged by 7
    assert len(records["subscription_events"]) == seeded.subscription_events
    [account] = records["account"]
    assert account["id"].startswith("acc_") and "churn_recognition" in account
