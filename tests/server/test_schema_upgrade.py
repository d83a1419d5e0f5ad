"""A database written by an older mogul is upgraded on start and keeps its data (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
    update,
)

from mogul.server.store import Database, schema
from mogul.server.store.data_sources import DataSources, Detail
from mogul.server.store.database import normalise_url

# The schema-version-1 tables as the first release declared them (data sources kept processing counters).
V1 = MetaData()
Table("mogul_meta", V1, Column("key", String(64), primary_key=True), Column("value", String(255), nullable=False))
V1_SOURCES = Table(
    "data_sources",
    V1,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("system", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("processed", BigInteger, nullable=False),
    Column("pending", BigInteger, nullable=False),
    Column("failed", BigInteger, nullable=False),
    Column("auto_churn_enabled", Boolean, nullable=False),
    Column("auto_churn_interval", Integer, nullable=True),
    Column("invoice_handling", JSON, nullable=False),
)


def test_version_1_database_is_upgraded(database_url: str) -> None:
    raw = create_engine(normalise_url(database_url))
    V1.create_all(raw)
    with raw.begin() as conn:
        conn.execute(V1.tables["mogul_meta"].insert().values(key="schema_version", value="1"))
        conn.execute(
            V1_SOURCES.insert().values(
                uuid="ds_00000000-0000-0000-0000-000000000001",
                name="Old source",
                system="Custom",
                created_at=1673364845437000,
                processed=0,
                pending=0,
                failed=0,
                auto_churn_enabled=False,
                invoice_handling={},
            )
        )
    raw.dispose()

    db = Database(database_url)
    db.migrate()
    store = DataSources(db)
    old = store.get("ds_00000000-0000-0000-0000-000000000001", Detail(processing_status=True))
    assert (old["name"], old["created_at"], old["status"]) == ("Old source", "2023-01-10T15:34:05.437Z", "idle")
    assert old["processing_status"] == {"processed": 0, "failed": 0, "pending": 0}
    assert store.create({"name": "New source"})["status"] == "idle"
    with db.read() as conn:
        version = conn.exec_driver_sql("SELECT value FROM mogul_meta WHERE key = 'schema_version'").scalar_one()
    assert int(version) >= 3
    db.migrate()  # a second start changes nothing
    assert [s["name"] for s in store.list()] == ["New source", "Old source"]
    db.dispose()


def test_newer_database_is_refused(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    with db.begin() as conn:
        conn.exec_driver_sql("UPDATE mogul_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(RuntimeError, match="newer than this mogul"):
        db.migrate()
    db.dispose()


def test_version_1_database_gains_the_import_tables(db: Database) -> None:
    with db.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            if table.name not in ("mogul_meta", "account", "api_keys", "data_sources"):
                table.drop(conn)
        conn.execute(update(schema.meta).where(schema.meta.c.key == "schema_version").values(value="1"))
    assert "invoices" not in inspect(db.engine).get_table_names()
    db.migrate()
    assert {"customers", "plans", "invoices", "line_items", "transactions", "subscriptions", "activities"} <= set(
        inspect(db.engine).get_table_names()
    )
    with db.read() as conn:
        version = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
    assert version == str(schema.SCHEMA_VERSION)


def test_version_3_database_gains_the_customer_list_indexes(db: Database) -> None:
    names = {index.name for index in schema.CUSTOMER_LIST_INDEXES}
    with db.begin() as conn:
        for index in schema.CUSTOMER_LIST_INDEXES:
            index.drop(conn)
        conn.execute(update(schema.meta).where(schema.meta.c.key == "schema_version").values(value="3"))
    assert not names & {index["name"] for index in inspect(db.engine).get_indexes("customers")}
    db.migrate()
    assert names <= {index["name"] for index in inspect(db.engine).get_indexes("customers")}
    with db.read() as conn:
        version = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
    assert version == str(schema.SCHEMA_VERSION)
    db.migrate()  # a second start changes nothing
