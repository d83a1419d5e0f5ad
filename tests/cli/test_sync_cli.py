"""`mogul sync` against a real `mogul serve` holding an imported demo history, into DuckDB and PostgreSQL.

Most runs go through click's runner in this process (a subprocess costs seconds of imports on this
machine); one subprocess run checks what a user's shell sees on an error.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.client import Client
from mogul.demo.generator import GeneratorConfig
from mogul.demo.pipeline import DemoServer, demo_server, wait_until_idle
from mogul.demo.run import Target, generate_and_import

from ..conftest import MOGUL, PG_ADMIN, subprocess_env

CUSTOMERS = 25
HISTORY = GeneratorConfig(customers=CUSTOMERS, seed=11, start=date(2025, 1, 1), months=12, currency="USD")
# Fixed end, no lookback: the same data on every run, and a second incremental read must re-emit nothing.
END = "2025-12-31T23:59:59Z"


@pytest.fixture(scope="module")
def served() -> Iterator[DemoServer]:
    with demo_server() as server:
        generate_and_import(HISTORY, Target(server.base_url, server.api_key), workers=4)
        with Client(server.api_key, server.base_url) as client:
            wait_until_idle(client)
        yield server


@pytest.fixture
def config_file(served: DemoServer, tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "api_key": served.api_key,
                "base_url": served.base_url,
                "start_date": "2025-01-01T00:00:00Z",
                "end_date": END,
                "lookback_window_days": 0,
                "requests_per_second": 1000,
            }
        )
    )
    return path


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def destination(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'cm.duckdb'}"
        return
    schema = f"sync_cli_{uuid.uuid4().hex[:12]}"
    yield f"{PG_ADMIN}?schema={schema}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def sync(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = CliRunner().invoke(main, ["sync", *args], env=env or {})
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def summary(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = sync(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("duckdb"):
        with duckdb.connect(url.removeprefix("duckdb:///"), read_only=True) as con:
            return con.execute(sql).fetchall()
    base, schema = url.split("?schema=")
    with psycopg.connect(base, options=f"-csearch_path={schema}") as conn:
        return conn.execute(sql).fetchall()


def count(url: str, table: str) -> int:
    return query(url, f'SELECT count(*) FROM "{table}"')[0][0]


def duplicates(url: str, table: str) -> int:
    return query(url, f'SELECT count(*) - count(DISTINCT uuid) FROM "{table}"')[0][0]


def test_default_modes_then_resume(config_file: Path, destination: str) -> None:
    streams = "customers,activities,metrics,plans"
    first = summary("--config", str(config_file), "-d", destination, "--streams", streams)
    assert first["ok"] and list(first["streams"]) == ["customers", "activities", "plans", "metrics"]
    modes = {name: s["mode"] for name, s in first["streams"].items()}
    assert modes == {"customers": "overwrite", "activities": "append_dedup", "plans": "overwrite",
                     "metrics": "append_dedup"}  # fmt: skip
    assert count(destination, "customers") == CUSTOMERS
    activities = count(destination, "activities")
    assert activities == first["streams"]["activities"]["records"] > 0
    assert count(destination, "metrics") == 12

    second = summary("--config", str(config_file), "-d", destination, "--streams", streams)
    assert second["streams"]["activities"]["resumed"] and second["streams"]["activities"]["records"] == 0
    assert not second["streams"]["customers"]["resumed"]  # a completed overwrite reads everything again
    assert count(destination, "customers") == CUSTOMERS and count(destination, "activities") == activities
    # The metric series re-reads its last period (still changing in a live account), deduplicated by date.
    assert count(destination, "metrics") == 12


@pytest.mark.parametrize("mode", ["overwrite", "append", "append_dedup"])
def test_each_mode_twice(config_file: Path, destination: str, mode: str) -> None:
    args = ("--config", str(config_file), "-d", destination, "--streams", "customers,activities", "--mode", mode)
    first = summary(*args)
    activities = first["streams"]["activities"]["records"]
    assert {s["mode"] for s in first["streams"].values()} == {mode}
    second = summary(*args)
    # Incremental activities continue after the stored state in both append modes: nothing twice.
    assert second["streams"]["activities"]["resumed"] is (mode != "overwrite")
    assert second["streams"]["activities"]["records"] == (activities if mode == "overwrite" else 0)
    assert count(destination, "activities") == activities and duplicates(destination, "activities") == 0
    # customers is a full-refresh stream: appending it twice keeps both copies, as Airbyte's append does.
    assert count(destination, "customers") == (2 * CUSTOMERS if mode == "append" else CUSTOMERS)


def test_configured_catalog_sets_streams_and_modes(config_file: Path, tmp_path: Path) -> None:
    from mogul.source import discover

    streams = {s["name"]: s for s in discover()["catalog"]["streams"]}
    catalog = {
        "streams": [
            {"stream": streams["plans"], "sync_mode": "full_refresh", "destination_sync_mode": "append"},
            {"stream": streams["activities"], "sync_mode": "incremental", "destination_sync_mode": "append"},
        ]
    }
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    url = f"duckdb:///{tmp_path / 'c.duckdb'}"
    result = summary("--config", str(config_file), "-d", url, "--catalog", str(path))
    assert {n: s["mode"] for n, s in result["streams"].items()} == {"plans": "append", "activities": "append"}
    assert count(url, "plans") == 9


def test_env_fills_the_config_and_the_table_summary(served: DemoServer, tmp_path: Path) -> None:
    env = {"CHARTMOGUL_API_KEY": served.api_key, "CHARTMOGUL_BASE_URL": served.base_url}
    url = f"duckdb:///{tmp_path / 'e.duckdb'}"
    result = sync("--start-date", "2025-01-01T00:00:00Z", "-d", url, "--streams", "data_sources", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()  # not a terminal: tab-separated
    assert lines[0].split("\t") == ["stream", "mode", "outcome", "records", "seconds", "resumed"]
    assert lines[1].split("\t")[:4] == ["data_sources", "overwrite", "complete", "1"]
    assert "sync: data_sources: complete" in result.stderr  # plain progress lines off a terminal
    quiet = sync("--start-date", "2025-01-01", "-d", url, "--streams", "data_sources", "-q", env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_command_line_flag_beats_the_file_and_env_only_fills(config_file: Path, tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'k.duckdb'}"
    bad = {"CHARTMOGUL_API_KEY": "wrong-key"}  # the file has a key: the environment must not replace it
    assert sync("--config", str(config_file), "-d", url, "--streams", "plans", "-q", env=bad).returncode == 0
    flag = sync("--config", str(config_file), "-d", url, "--streams", "plans", "--api-key", "wrong-key")
    assert flag.returncode == 1 and "HTTP 401" in flag.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--api-key", "nope"), "error: ChartMogul rejected the API key (HTTP 401): check api_key."),
        (("--base-url", "http://127.0.0.1:9"), "error: Could not reach http://127.0.0.1:9"),
        (("-d", "mysql://x/y"), "error: unsupported destination mysql://x/y"),
        (
            ("-d", "postgresql://postgres@127.0.0.1:9/test"),
            "error: cannot connect to postgresql://postgres@127.0.0.1:9",
        ),
        (("-d", "duckdb:////no/such/dir/x.duckdb"), "error: cannot open duckdb:////no/such/dir/x.duckdb"),
        (("--streams", "customers,nope"), "error: unknown stream 'nope'; the streams are: customers, "),
        (("--mode", "append_dedup", "--streams", "data_sources,plans"), None),  # both have keys: fine
        (("--start-date", "yesterday"), "error: start_date must be a date-time like 2017-01-25T00:00:00Z"),
    ],
)
def test_errors_are_one_line(config_file: Path, tmp_path: Path, args: tuple[str, ...], message: str | None) -> None:
    base = ("--config", str(config_file), "-d", f"duckdb:///{tmp_path / 'x.duckdb'}", "--streams", "plans", "-q")
    result = sync(*base, *args)
    if message is None:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_missing_inputs(tmp_path: Path) -> None:
    assert sync("--start-date", "2025-01-01").stderr == (
        "error: no API key: give --api-key, set CHARTMOGUL_API_KEY, or put api_key in the --config file\n"
    )
    assert sync("--api-key", "k").stderr.startswith("error: no start date")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert sync("--config", str(broken)).stderr.startswith(f"error: --config {broken}: not valid JSON")


def test_real_process_exit_code_and_stderr(config_file: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [*MOGUL, "sync", "--config", str(config_file), "--api-key", "nope", "-d", f"duckdb:///{tmp_path / 'p.duckdb'}"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == "error: ChartMogul rejected the API key (HTTP 401): check api_key.\n"
