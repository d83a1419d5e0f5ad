"""Issue 7: a full sync of every stream from a server injecting faults gives exactly the tables a sync from a
fault-free server gives: no record lost, none duplicated. All the servers serve one database."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.source import discover

from ..conftest import PG_ADMIN
from .conftest import HARSH_MIX, ISSUE_MIX, History, write_config

STREAMS = sorted(stream["name"] for stream in discover()["catalog"]["streams"])
BOOKKEEPING = ("_mogul_extracted_at", "_mogul_sync_id")
Tables = dict[str, list[tuple[str, ...]]]


def run_sync(config: dict[str, object], destination: str, tmp_path: Path) -> dict[str, Any]:
    path = write_config(tmp_path / f"config-{uuid.uuid4().hex[:8]}.json", config)
    result = CliRunner().invoke(main, ["sync", "--config", str(path), "-d", destination, "-q", "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] and sorted(summary["streams"]) == STREAMS, summary
    return summary


def canonical(rows: list[tuple[Any, ...]]) -> list[tuple[str, ...]]:
    """Order-independent, but a duplicated row still counts twice."""
    return sorted(tuple(repr(value) for value in row) for row in rows)


def duckdb_tables(path: Path) -> Tables:
    with duckdb.connect(str(path), read_only=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        ]
        out: Tables = {}
        for name in names:
            if name.startswith("_mogul_"):
                continue
            columns = [c[0] for c in conn.execute(f'DESCRIBE "{name}"').fetchall() if c[0] not in BOOKKEEPING]
            select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in sorted(columns))
            out[name] = canonical(conn.execute(f'SELECT {select} FROM "{name}"').fetchall())
    return out


def postgres_tables(schema: str) -> Tables:
    with psycopg.connect(PG_ADMIN) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
            ).fetchall()
        ]
        out: Tables = {}
        for name in names:
            if name.startswith("_mogul_"):
                continue
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
                    (schema, name),
                ).fetchall()
                if r[0] not in BOOKKEEPING
            ]
            select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in sorted(columns))
            out[name] = canonical(conn.execute(f'SELECT {select} FROM "{schema}"."{name}"').fetchall())
    return out


def assert_identical(got: Tables, expected: Tables) -> None:
    assert sorted(got) == sorted(expected) == STREAMS
    for name in STREAMS:
        lost = Counter(expected[name]) - Counter(got[name])
        extra = Counter(got[name]) - Counter(expected[name])
        assert not lost and not extra, f"{name}: {sum(lost.values())} rows lost, {sum(extra.values())} extra"


@pytest.fixture(scope="module")
def baseline(history: History, tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """Every stream from a fault-free server."""
    tmp = tmp_path_factory.mktemp("baseline")
    with history.serve() as server:
        run_sync(history.config(server.base_url), f"duckdb:///{tmp / 'clean.duckdb'}", tmp)
    tables = duckdb_tables(tmp / "clean.duckdb")
    assert sum(len(rows) for rows in tables.values()) > 500
    assert all(tables[name] for name in ("customers", "activities", "subscriptions", "plans", "metrics")), {
        name: len(rows) for name, rows in tables.items()
    }
    return tables


@pytest.mark.parametrize(
    ("faults", "overrides"),
    [
        # Pages of 5 (the baseline reads pages of 200): well over a hundred requests, so every kind of fault is
        # drawn (the seeded draws give the first `reset` to the 89th request), many of them in the middle of a
        # paginated stream.
        pytest.param(ISSUE_MIX, {"page_size": 5}, id="issue-mix"),
        # `slow` waits 3 s, past the 1.5 s read timeout: those requests time out and are retried. Pages of 200:
        # at this rate the mix's 1 s Retry-Afters (which pause every worker) would make pages of 10 slow.
        pytest.param(HARSH_MIX, {"read_timeout_seconds": 1.5, "max_attempts": 20}, id="harsh-mix"),
    ],
)
def test_full_sync_under_faults_equals_a_fault_free_sync(
    history: History,
    baseline: Tables,
    tmp_path: Path,
    faults_injected: Counter[str],
    faults: str,
    overrides: dict[str, object],
) -> None:
    with history.serve(faults, seed=7) as server:
        run_sync(history.config(server.base_url, **overrides), f"duckdb:///{tmp_path / 'faulty.duckdb'}", tmp_path)
    # The faults really happened: the server's own count, every kind of the mix.
    assert {"429", "500", "503", "reset", "slow"} <= set(faults_injected), faults_injected
    assert_identical(duckdb_tables(tmp_path / "faulty.duckdb"), baseline)


@pytest.mark.postgres
def test_full_sync_into_postgresql_under_faults_equals_a_fault_free_sync(
    history: History, tmp_path: Path, faults_injected: Counter[str]
) -> None:
    schemas = {kind: f"faults_{kind}_{uuid.uuid4().hex[:10]}" for kind in ("clean", "faulty")}
    try:
        with history.serve() as server:
            run_sync(history.config(server.base_url), f"{PG_ADMIN}?schema={schemas['clean']}", tmp_path)
        with history.serve(ISSUE_MIX, seed=11) as server:
            run_sync(history.config(server.base_url), f"{PG_ADMIN}?schema={schemas['faulty']}", tmp_path)
        assert sum(faults_injected.values()) > 0
        clean = postgres_tables(schemas["clean"])
        assert sum(len(rows) for rows in clean.values()) > 500
        assert_identical(postgres_tables(schemas["faulty"]), clean)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for schema in schemas.values():
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
