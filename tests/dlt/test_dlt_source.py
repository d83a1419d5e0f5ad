"""`mogul.dlt.chartmogul_source` run by real dlt pipelines into DuckDB and PostgreSQL, against `mogul serve` with a
demo history; `mogul sync`'s tables are the reference for every stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

import dlt
from mogul.dlt import ChartMogulReadError, ConfigError, chartmogul_source, columns
from mogul.source import STREAMS

from ..conftest import PG_ADMIN, subprocess_env
from ..source.conftest import Account, open_account
from .helpers import Rows, add_paying_customer, assert_same_rows, dlt_env, environ, mogul_sync

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.slow


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    yield from open_account(tmp_path, customers=40)


@pytest.fixture(autouse=True)
def _dlt_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in dlt_env(tmp_path).items():
        monkeypatch.setenv(key, value)


@pytest.fixture(params=["duckdb", "postgres"])
def destination(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Where a pipeline writes: a DuckDB file, or a dataset (schema) of its own in the test database."""
    dataset = f"cm_{uuid.uuid4().hex[:10]}"
    if request.param == "duckdb":
        yield {"destination": "duckdb", "target": str(tmp_path / "dlt.duckdb"), "dataset": dataset}
        return
    # dlt insists on a password; the test server trusts local connections and ignores it.
    url = urlsplit(PG_ADMIN)
    target = url._replace(netloc=f"{url.username}:unused@{url.hostname}:{url.port or 5432}").geturl()
    yield {"destination": "postgres", "target": target, "dataset": dataset}
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        for schema in (dataset, f"{dataset}_staging"):
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def source_kwargs(account: Account, **overrides: Any) -> dict[str, Any]:
    config = account.config()
    kwargs: dict[str, Any] = {
        "api_key": config["api_key"],
        "start_date": config["start_date"],
        "base_url": config["base_url"],
        "lookback_window_days": 0,
        "settings": {"requests_per_second": 1000, "window_days": 60},
    }
    kwargs.update(overrides)
    return kwargs


def make_pipeline(dest: dict[str, str], tmp: Path) -> dlt.Pipeline:
    sys.path.insert(0, str(HERE))
    try:
        from dlt_child import pipeline  # the child's own, so both build the same pipeline
    finally:
        sys.path.remove(str(HERE))
    return pipeline({**dest, "pipelines_dir": str(tmp / "pipelines")})


def tables(p: dlt.Pipeline) -> Rows:
    out: Rows = {}
    with p.sql_client() as client:
        for stream in STREAMS:
            name = p.default_schema.naming.normalize_table_identifier(stream.name)
            with client.execute_query(f"SELECT * FROM {client.make_qualified_table_name(name)}") as cursor:
                names = [d[0] for d in cursor.description]
                out[stream.name] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return out


def naming(p: dlt.Pipeline) -> Any:
    return p.default_schema.naming.normalize_identifier


def test_pipeline_holds_mogul_syncs_rows_and_a_second_run_loads_only_new_activities(
    account: Account, destination: dict[str, str], tmp_path: Path
) -> None:
    p = make_pipeline(destination, tmp_path)
    reference = tmp_path / "mogul.duckdb"
    p.run(chartmogul_source(**source_kwargs(account)))
    expected = mogul_sync(account.config(), reference)
    assert all(expected[stream.name] for stream in STREAMS)  # the demo fills every stream
    assert_same_rows(expected, tables(p), naming(p))
    # Types come from the declarations: the cursor is a timestamp, money an integer, nested objects JSON.
    schema = p.default_schema.get_table_columns("activities")
    assert schema["date"]["data_type"] == "timestamp" and schema["uuid"]["primary_key"]
    assert schema[naming(p)("activity-mrr")]["data_type"] == "bigint"
    assert p.default_schema.get_table_columns("invoices")["line_items"]["data_type"] == "json"
    assert p.default_schema.get_table_columns("metrics")["date"]["data_type"] == "date"
    assert not [t for t in p.default_schema.tables if "__" in t]  # no child tables: JSON columns, as mogul sync

    before = len(expected["activities"])
    add_paying_customer(account, 1)
    add_paying_customer(account, 2)
    account.served.requests.clear()
    p.run(chartmogul_source(**source_kwargs(account)))
    loaded = p.last_trace.last_normalize_info.row_counts
    expected = mogul_sync(account.config(), reference)
    new = len(expected["activities"]) - before
    assert new == 2
    assert loaded["activities"] == new  # the second run loads the two new activities, nothing older
    assert_same_rows(expected, tables(p), naming(p))
    # ...and asked the API for activities from the saved cursor on, not from start_date.
    starts = {r.split("start-date=")[1][:10] for r in account.served.paths("/v1/activities")}
    assert min(starts) > "2023-01-01", starts

    # With mogul's lookback, the next run re-reads the last 30 days (the metrics' latest periods too, which the new
    # customers changed) and merges them: nothing doubles, and the tables are mogul sync's with the same lookback.
    p.run(chartmogul_source(**source_kwargs(account, lookback_window_days=30)))
    assert p.last_trace.last_normalize_info.row_counts["activities"] >= new
    expected = mogul_sync(account.config(lookback_window_days=30), reference)
    assert_same_rows(expected, tables(p), naming(p))


def _kill_when(proc: subprocess.Popen[str], ready: Any, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            return True
        time.sleep(0.002)
    return False


def _started_jobs(pipelines: Path) -> bool:
    return any(pipelines.glob("*/load/normalized/*/started_jobs/*"))


@pytest.mark.parametrize("moment", ["extract", "load"])
def test_a_run_killed_part_way_and_run_again_leaves_no_row_missing_or_doubled(
    account: Account, destination: dict[str, str], tmp_path: Path, moment: str
) -> None:
    pipelines = tmp_path / "pipelines"
    settings = {**destination, "pipelines_dir": str(pipelines), "config": source_kwargs(account)}
    env = environ(**{**subprocess_env(), **dlt_env(tmp_path)})
    command = [sys.executable, str(HERE / "dlt_child.py"), json.dumps(settings)]
    # A first complete run, then new activities, so the killed run is an incremental one with state to keep.
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    reference = tmp_path / "mogul.duckdb"
    mogul_sync(account.config(), reference)  # mogul sync with the same history: a full read, then incremental
    add_paying_customer(account, 1)
    account.served.requests.clear()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if moment == "extract":  # mid-read: some of the API's pages are out, the package not yet written
        killed = _kill_when(proc, lambda: len(account.served.requests) >= 15)
    else:  # mid-load: the package is normalized and its jobs are going into the database
        killed = _kill_when(proc, lambda: _started_jobs(pipelines))
    assert killed, f"the run ended before it could be killed at {moment}: {proc.communicate()}"
    if moment == "load":
        assert any(pipelines.glob("*/load/normalized/*")), "killed mid-load: its package must still be pending"
    add_paying_customer(account, 2)
    # Run again: a package the kill left pending is loaded first (dlt then asks for one more run to read anew).
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    if json.loads(again.stdout.splitlines()[-1]) is None:
        assert moment == "load"
        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout.splitlines()[-1])["activities"] >= 1
    p = make_pipeline(destination, tmp_path)
    expected = mogul_sync(account.config(), reference)
    assert_same_rows(expected, tables(p), naming(p))


def test_resources_share_one_read_and_only_selected_streams_are_requested(account: Account, tmp_path: Path) -> None:
    p = make_pipeline({"destination": "duckdb", "target": str(tmp_path / "x.duckdb"), "dataset": "cm"}, tmp_path)
    source = chartmogul_source(**source_kwargs(account, streams=["activities", "plans"]))
    assert sorted(source.resources) == ["activities", "plans"]
    p.run(source.with_resources("activities"))
    assert account.served.paths("/v1/activities") and not account.served.paths("/v1/plans")
    assert not account.served.paths("/v1/customers")
    # Every resource of one run reads through one source read: one `reading N streams` log line per run.
    account.served.requests.clear()
    p.run(chartmogul_source(**source_kwargs(account, streams=["plans", "data_sources", "metrics"])))
    assert len(account.served.paths("/v1/plans")) == 1 and len(account.served.paths("/v1/metrics/all")) == 1


def test_column_hints_follow_the_stream_declarations() -> None:
    for stream in STREAMS:
        hints = columns(stream)
        assert list(hints) == list(stream.schema["properties"])
        assert [name for name, hint in hints.items() if hint.get("primary_key")] == list(stream.primary_key)
        assert all(hints[key]["nullable"] is False for key in stream.primary_key)
    customers = columns(next(s for s in STREAMS if s.name == "customers"))
    assert customers["customer-since"]["data_type"] == "timestamp" and customers["attributes"]["data_type"] == "json"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"api_key": None}, "api_key is required"),
        ({"start_date": None}, "start_date is required"),
        ({"start_date": "yesterday"}, "start_date must be a date-time like 2017-01-25T00:00:00Z, got 'yesterday'"),
        ({"interval": "hourly"}, "interval must be one of day, week, month, quarter"),
        ({"streams": ["nope"]}, "unknown stream 'nope'; the streams are: customers,"),
        ({"settings": {"page_size": 500}}, "page_size must be between 1 and 200"),
    ],
)
def test_bad_config_is_one_clear_line_without_the_key(
    overrides: dict[str, Any], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCES__CHARTMOGUL__API_KEY", raising=False)
    kwargs = {"api_key": "sk_secret_key_1234", "start_date": "2023-01-01T00:00:00Z", **overrides}
    with pytest.raises(ConfigError) as caught:
        chartmogul_source(**kwargs)
    message = str(caught.value)
    assert expected in message and "\n" not in message and "sk_secret" not in message


def test_settings_come_from_dlt_config_and_a_rejected_key_fails_the_run_in_one_line(
    account: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__CHARTMOGUL__API_KEY", "wrong_key_abcdef")
    monkeypatch.setenv("SOURCES__CHARTMOGUL__BASE_URL", account.served.base_url)
    monkeypatch.setenv("SOURCES__CHARTMOGUL__START_DATE", "2023-01-01T00:00:00Z")
    p = make_pipeline({"destination": "duckdb", "target": str(tmp_path / "x.duckdb"), "dataset": "cm"}, tmp_path)
    with pytest.raises(PipelineStepFailed) as caught:
        p.run(chartmogul_source(streams=["plans"]))
    error = caught.value.__cause__
    while error is not None and not isinstance(error, ChartMogulReadError):
        error = error.__cause__
    assert isinstance(error, ChartMogulReadError), caught.value
    assert str(error) == "plans: ChartMogul rejected the API key (HTTP 401): check api_key."
    assert "wrong_key" not in str(caught.value)
    assert account.served.paths("/v1/plans")  # the key and base_url did come from dlt's config
    assert os.environ["SOURCES__CHARTMOGUL__API_KEY"] == "wrong_key_abcdef"
