"""Destinations for the sync tests: a DuckDB file per test, and a PostgreSQL schema per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sync_helpers import PG_SERVER


@pytest.fixture(params=["duckdb", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A destination URL nobody else uses; PostgreSQL schemas are dropped afterwards."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'sync.duckdb'}"
        return
    schema = f"sync_test_{uuid.uuid4().hex[:12]}"
    yield f"{PG_SERVER}?schema={schema}"
    with psycopg.connect(PG_SERVER, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
