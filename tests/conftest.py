"""Shared fixtures: a database on SQLite or PostgreSQL (each test its own), a real server on a port, keys."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from mogul.client import NO_RETRY, Client
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database
from mogul.server.store.keys import create_key

SRC = Path(__file__).resolve().parents[1] / "src"
PG_ADMIN = os.environ.get("MOGUL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for `python -m mogul` subprocesses: this checkout's sources first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CHARTMOGUL_API_KEY", None)
    env.pop("CHARTMOGUL_BASE_URL", None)
    env.update(extra)
    return env


MOGUL = [sys.executable, "-m", "mogul"]


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, as a database URL whose search_path points at it; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mogul.db'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def server(db: Database) -> Iterator[EmbeddedServer]:
    with EmbeddedServer(db) as srv:
        yield srv


@pytest.fixture
def rw_key(db: Database) -> str:
    return create_key(db, "tests", "read-write")[0]


@pytest.fixture
def ro_key(db: Database) -> str:
    return create_key(db, "reader", "read-only")[0]


@pytest.fixture
def api(server: EmbeddedServer, rw_key: str) -> Iterator[httpx.Client]:
    """Raw HTTP with a read-write key, for asserting exact status codes and bodies."""
    with httpx.Client(base_url=server.base_url + "/v1", auth=(rw_key, ""), timeout=30) as http:
        yield http


@pytest.fixture
def client(server: EmbeddedServer, rw_key: str) -> Iterator[Client]:
    with Client(rw_key, server.base_url, retry=NO_RETRY) as cm:
        yield cm
