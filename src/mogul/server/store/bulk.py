"""Multi-row INSERTs straight to the driver's executemany: at import volumes SQLAlchemy's per-row parameter
processing costs more than the database does. Only for plain columns (no JSON): values go to the driver as is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (all with the same keys) in one executemany."""
    if not rows:
        return
    columns = list(rows[0])
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join([mark] * len(columns))})'
    conn.exec_driver_sql(sql, [tuple(row[c] for c in columns) for row in rows])
