"""PostgreSQL through psycopg 3: batches are loaded with COPY."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import repeat
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from ..batch import Batch
from ..columns import EXTRACTED_AT, SYNC_ID, Columns, ColumnType, data_names
from ..values import PYTHON_CONVERTERS, to_json, to_string
from .base import DestinationError
from .sql import OpenStream, SqlDestination, quote

SQL_TYPES = {
    ColumnType.STRING: "TEXT",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.NUMBER: "DOUBLE PRECISION",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.DATE: "DATE",
    ColumnType.JSON: "JSONB",
}
FROM_SQL = {
    "text": ColumnType.STRING,
    "character varying": ColumnType.STRING,
    "bigint": ColumnType.INTEGER,
    "integer": ColumnType.INTEGER,
    "smallint": ColumnType.INTEGER,
    "double precision": ColumnType.NUMBER,
    "real": ColumnType.NUMBER,
    "numeric": ColumnType.NUMBER,
    "boolean": ColumnType.BOOLEAN,
    "timestamp with time zone": ColumnType.TIMESTAMP,
    "date": ColumnType.DATE,
    "jsonb": ColumnType.JSON,
    "json": ColumnType.JSON,
}
TEMP_BATCH = "_mogul_batch"


def _pg_string(value: Any) -> str | None:
    text = to_string(value)
    # PostgreSQL text cannot hold NUL; dropping it beats failing the sync.
    return text.replace("\x00", "") if text is not None and "\x00" in text else text


def _pg_json(value: Any) -> str | None:
    text = to_json(value)
    return text.replace("\\u0000", "") if text is not None and "\\u0000" in text else text


CONVERTERS: dict[ColumnType, Callable[[Any], Any]] = {
    **PYTHON_CONVERTERS,
    ColumnType.STRING: _pg_string,
    ColumnType.JSON: _pg_json,
}


NONE = type(None)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EXACT_TYPES: dict[ColumnType, frozenset[type]] = {
    ColumnType.STRING: frozenset({str, NONE}),
    ColumnType.INTEGER: frozenset({int, NONE}),
    ColumnType.NUMBER: frozenset({int, float, NONE}),
    ColumnType.BOOLEAN: frozenset({bool, NONE}),
}


def copy_column(values: list[Any], column_type: ColumnType) -> list[Any]:
    """Values COPY can take for the column. A column whose values all have the right Python type
    (the common case) is passed as it is; otherwise each value is converted."""
    exact = EXACT_TYPES.get(column_type)
    if exact is not None and set(map(type, values)) <= exact:
        present = [v for v in values if v is not None]
        if column_type is ColumnType.STRING:
            fits = "\x00" not in "".join(present)
        elif column_type is ColumnType.BOOLEAN:
            fits = True
        else:  # PostgreSQL refuses what overflows BIGINT or DOUBLE PRECISION
            limit = INT64_MAX if column_type is ColumnType.INTEGER else 1e308
            fits = -limit <= min(present, default=0) and max(present, default=0) <= limit
        if fits:
            return values
    return list(map(CONVERTERS[column_type], values))


def split_url(url: str) -> tuple[str, str]:
    """The libpq URL without mogul's own `schema` option, and that schema (default `public`)."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql+psycopg") else parts.scheme
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = "public"
    kept = []
    for name, value in query:
        if name == "schema":
            schema = value
        else:
            kept.append((name, value))
    if not schema:
        raise DestinationError(f"bad PostgreSQL URL: empty schema in {describe(url)}")
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment)), schema


def describe(url: str) -> str:
    """The URL with the password hidden."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class PostgresDestination(SqlDestination):
    param = "%s"

    def __init__(self, conninfo: str, *, schema: str = "public", description: str | None = None) -> None:
        super().__init__(description or describe(conninfo), schema)
        try:
            self._con = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
        except (psycopg.Error, psycopg.ProgrammingError) as error:
            raise DestinationError(f"cannot connect to {self.description}: {error}".strip()) from error
        # Timestamps without an offset are read as UTC, whatever the server's default.
        self._con.execute("SET TimeZone = 'UTC'")

    @classmethod
    def from_url(cls, url: str) -> PostgresDestination:
        """`postgresql://user:password@host:port/database?schema=name`."""
        conninfo, schema = split_url(url)
        return cls(conninfo, schema=schema, description=describe(url))

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The open connection, for reading the tables back."""
        return self._con

    def close(self) -> None:
        self._con.close()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._con.execute(sql.encode(), list(params) or None)  # type: ignore[arg-type]

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._con.execute(sql.encode(), list(params) or None).fetchall()  # type: ignore[arg-type]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._con.transaction():
            yield

    def sql_type(self, column_type: ColumnType) -> str:
        return SQL_TYPES[column_type]

    def column_type(self, sql_type: str) -> ColumnType:
        return FROM_SQL.get(sql_type.lower(), ColumnType.STRING)

    def _prepare_keys(self, stream: OpenStream) -> None:
        # The per-batch DELETE looks rows up by key; without an index it scans the table each time.
        columns = ", ".join(quote(key) for key in stream.keys)
        index = quote(f"{stream.target}_mogul_key"[:63])
        self._execute(f"CREATE INDEX IF NOT EXISTS {index} ON {self.ref(stream.target)} ({columns})")

    def _prepare_rows(self, stream: OpenStream, columns: Columns, batch: Batch) -> list[list[Any]]:
        """The values to COPY, column by column (on the reading thread: see `prepare`)."""
        data = data_names(columns)
        values = [copy_column(column, columns[name]) for name, column in zip(data, batch.columns(data), strict=True)]
        values.append([datetime.fromtimestamp(ms / 1000, UTC) for ms in batch.emitted_at])
        return values

    def _write_rows(self, stream: OpenStream, columns: Columns, rows: list[list[Any]]) -> None:
        data = data_names(columns)
        names = ", ".join(quote(name) for name in [*data, EXTRACTED_AT, SYNC_ID])
        target = self.ref(stream.table)
        if stream.keys:
            self._execute(f"DROP TABLE IF EXISTS pg_temp.{quote(TEMP_BATCH)}")
            self._execute(f"CREATE TEMP TABLE {quote(TEMP_BATCH)} (LIKE {target}) ON COMMIT DROP")
            target = f"pg_temp.{quote(TEMP_BATCH)}"
        statement = f"COPY {target} ({names}) FROM STDIN".encode()
        with self._con.cursor() as cursor, cursor.copy(statement) as copy:
            for row in zip(*rows, repeat(stream.sync_id), strict=False):
                copy.write_row(row)
        if stream.keys:
            match = " AND ".join(f"t.{quote(key)} = b.{quote(key)}" for key in stream.keys)
            self._execute(f"DELETE FROM {self.ref(stream.table)} AS t USING {target} AS b WHERE {match}")
            self._execute(f"INSERT INTO {self.ref(stream.table)} ({names}) SELECT {names} FROM {target}")
