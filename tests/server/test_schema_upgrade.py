"""A database written by schema version 1 (data sources only) is upgraded in place on start."""

from __future__ import annotations

from sqlalchemy import inspect, select, update

from mogul.server.store import Database, schema


def test_version_1_database_gains_the_import_tables(db: Database) -> None:
    with db.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            if table.name not in ("mogul_meta", "account", "api_keys", "data_sources"):
                table.drop(conn)
        conn.execute(update(schema.meta).where(schema.meta.c.key == "schema_version").values(value="1"))
    assert "invoices" not in inspect(db.engine).get_table_names()
    db.migrate()
    assert {"customers", "plans", "invoices", "line_items", "transactions", "subscriptions"} <= set(
        inspect(db.engine).get_table_names()
    )
    with db.read() as conn:
        assert conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar() == "2"
