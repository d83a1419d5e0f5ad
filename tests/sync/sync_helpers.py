"""Reading destinations back in the sync tests."""

from __future__ import annotations

from typing import Any

from mogul.sync import connect
from mogul.sync.destinations.sql import quote

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def rows(url: str, table: str, *, order_by: str = "uuid") -> list[dict[str, Any]]:
    """A table's rows as dicts of text, without the sync id (which differs between runs by
    design). Text reads back alike from both databases and needs no timezone library."""
    with connect(url) as dest:
        columns = dest.table_columns(table)  # type: ignore[attr-defined]
        assert columns is not None, f"no table {table}"
        names = [name for name in columns if name != "_mogul_sync_id"]
        text = "VARCHAR" if url.startswith("duckdb") else "TEXT"
        select = ", ".join(f"CAST({quote(name)} AS {text})" for name in names)
        found = dest._query(f"SELECT {select} FROM {dest.ref(table)} ORDER BY {quote(order_by)}")  # type: ignore[attr-defined]
        return [dict(zip(names, row, strict=True)) for row in found]


def table_exists(url: str, table: str) -> bool:
    with connect(url) as dest:
        return dest.table_columns(table) is not None  # type: ignore[attr-defined]


def column_types(url: str, table: str) -> dict[str, str]:
    """information_schema's own type names: the mapping as the database really holds it."""
    with connect(url) as dest:
        found = dest._query(  # type: ignore[attr-defined]
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = '{dest.schema}' AND table_name = '{table}'"  # type: ignore[attr-defined]
        )
        return {name: kind.upper() for name, kind in found}


def stored_states(url: str) -> dict[str, Any]:
    with connect(url) as dest:
        return dest.stored_states()
