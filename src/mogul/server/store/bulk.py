"""Multi-row INSERTs straight to the driver: at import volumes SQLAlchemy's per-row parameter processing costs
more than the database does. Only for plain columns (no JSON): values go to the driver as is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

# Rows per multi-row VALUES statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters for
# the widest table (line items, 20 columns).
RETURNING_CHUNK = 500


def mark(conn: Connection) -> str:
    """The driver's positional placeholder: `?` for sqlite3, `%s` for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (all with the same keys) in one executemany."""
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join([mark(conn)] * len(columns))})'
    conn.exec_driver_sql(sql, [tuple(row[c] for c in columns) for row in rows])


def insert_returning_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """INSERT the rows (all with the same keys, `uuid` among them) and return their new ids, in row order.

    One multi-row `INSERT ... RETURNING` per chunk instead of an INSERT then a SELECT of the ids. RETURNING gives
    no row order (SQLite says so outright), so the ids are matched back through each row's unique uuid."""
    if not rows:
        return []
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    group = f"({', '.join([mark(conn)] * len(columns))})"
    by_uuid: dict[str, int] = {}
    for start in range(0, len(rows), RETURNING_CHUNK):
        chunk = rows[start : start + RETURNING_CHUNK]
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES {", ".join([group] * len(chunk))} RETURNING "id", "uuid"'
        params = tuple(row[c] for row in chunk for c in columns)
        by_uuid.update((uuid, ident) for ident, uuid in conn.exec_driver_sql(sql, params))
    return [by_uuid[row["uuid"]] for row in rows]


def driver_rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """A read with `?` placeholders, run straight on the DB-API connection inside `conn`'s transaction.

    For the import's hot lookups: a cached SQLAlchemy select still cost about 50 us of CPU per execution, several
    times SQLite's own work. Values come back as the driver gives them (SQLite: JSON columns as text)."""
    if mark(conn) != "?":
        sql = sql.replace("?", "%s")
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def placeholders(count: int) -> str:
    """`?, ?, ?` for an IN list of `count` values."""
    return ", ".join(["?"] * count)
