"""`mogul sync` of the CRM streams from `mogul serve` into DuckDB: every object lands, in typed columns."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.server.app import Stores
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database

from ..source.seed import seed_crm

STREAMS = ("contacts", "customer_notes", "opportunities", "tasks")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mogul.db'}"


def test_crm_streams_sync_into_typed_tables(db: Database, server: EmbeddedServer, rw_key: str, tmp_path: Path):
    stores = Stores.on(db)
    ds = stores.data_sources.create({"name": "Billing"})["uuid"]
    customers = {
        stores.customers.create({"data_source_uuid": ds, "external_id": f"c{n}"})["uuid"]: ds for n in range(4)
    }
    seed_crm(stores, customers, every=1)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"api_key": rw_key, "base_url": server.base_url, "start_date": "2024-01-01T00:00:00Z"})
    )
    target = tmp_path / "cm.duckdb"
    result = CliRunner().invoke(
        main, ["sync", "--config", str(config), "-d", f"duckdb:///{target}", "--streams", ",".join(STREAMS), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {name: s["mode"] for name, s in summary["streams"].items()} == dict.fromkeys(STREAMS, "overwrite")
    with duckdb.connect(str(target), read_only=True) as conn:
        counts = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in STREAMS}
        assert counts == {"contacts": 8, "customer_notes": 8, "opportunities": 4, "tasks": 4}
        types = {
            (table, column): kind
            for table, column, kind in conn.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
            ).fetchall()
        }
        assert types["opportunities", "estimated_close_date"] == "DATE"
        assert types["opportunities", "amount_in_cents"] == "BIGINT"
        assert types["tasks", "due_date"].startswith("TIMESTAMP")
        assert types["tasks", "completed_at"].startswith("TIMESTAMP")
        assert types["customer_notes", "call_duration"] == "BIGINT"
        assert types["contacts", "custom"] == "JSON"
        custom = conn.execute("SELECT custom FROM contacts WHERE position = 1 LIMIT 1").fetchone()[0]
        assert json.loads(custom) == {"Champion": True}
        (key,) = conn.execute("SELECT count(DISTINCT task_uuid) FROM tasks").fetchone()
        assert key == 4
