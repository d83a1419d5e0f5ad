"""DuckDB: batches travel as Arrow tables and are inserted with one INSERT … SELECT each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..batch import Batch
from ..columns import EXTRACTED_AT, SYNC_ID, Columns, ColumnType, data_names
from .arrow import record_arrays
from .base import DestinationError
from .sql import OpenStream, SqlDestination, quote

SQL_TYPES = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.NUMBER: "DOUBLE",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.DATE: "DATE",
    ColumnType.JSON: "JSON",
}
FROM_SQL = {
    "VARCHAR": ColumnType.STRING,
    "BIGINT": ColumnType.INTEGER,
    "INTEGER": ColumnType.INTEGER,
    "DOUBLE": ColumnType.NUMBER,
    "FLOAT": ColumnType.NUMBER,
    "BOOLEAN": ColumnType.BOOLEAN,
    "TIMESTAMP WITH TIME ZONE": ColumnType.TIMESTAMP,
    "DATE": ColumnType.DATE,
    "JSON": ColumnType.JSON,
}
CASTS = {
    ColumnType.TIMESTAMP: "TRY_CAST({} AS TIMESTAMPTZ)",
    ColumnType.DATE: "TRY_CAST({} AS DATE)",
}
BATCH_VIEW = "_mogul_batch"
WAL_AUTOCHECKPOINT = "256MB"
# The row group size of what a sync writes: half DuckDB's default (122,880), which the file is
# attached with (files stay readable and writable by any DuckDB, and row groups of other sizes are
# kept). The last, partial row group of a stream is compressed after everything else: half as large,
# it waits half as long, and compression costs a quarter less CPU per row in smaller groups
# (customer rows: 4.25 → 3.09 µs; the file grows 3-8%). Once this many rows are committed through
# the WAL, the writer's thread checkpoints, so that their compression too overlaps later batches.
ROW_GROUP_ROWS = 61_440
CATALOG = "sink"  # the attached file's name inside the connection
CHECKPOINT_ROW_GROUPS = 8


class DuckDBDestination(SqlDestination):
    param = "?"
    case_insensitive_names = True  # DuckDB folds identifiers even when quoted
    # A transaction that appends at least a whole row group (or anything to an empty table) has
    # DuckDB write it compressed straight into the file ("optimistic writes"): no WAL copy, and no
    # second compression at the checkpoint. At 20,000 rows every commit went through the WAL: twice
    # the writer's CPU per row. Several row groups per commit leave fewer partial groups to
    # compress while nothing else runs; the 2-second bound (`checkpoint_seconds`) still applies.
    checkpoint_rows = CHECKPOINT_ROW_GROUPS * ROW_GROUP_ROWS

    def __init__(self, path: str, *, schema: str = "main", description: str | None = None) -> None:
        super().__init__(description or f"duckdb:///{path}", schema)
        if path != ":memory:":
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise DestinationError(f"cannot open {self.description}: directory {parent} does not exist")
        try:
            self._con = _open(path)
        except duckdb.Error as error:
            raise DestinationError(f"cannot open {self.description}: {error}") from error
        # Timestamps without an offset are read as UTC, as the PostgreSQL destination does.
        self._con.execute("SET TimeZone = 'UTC'")
        # At the default 16 MB of WAL, DuckDB checkpoints nearly every large commit, recompressing
        # the same partial row group each time: that tripled the CPU a sync spends committing.
        self._con.execute(f"SET wal_autocheckpoint = '{WAL_AUTOCHECKPOINT}'")
        # Python converts the next batch while DuckDB inserts this one; a second DuckDB thread
        # only competes with it for the same cores (measured: ~25% more CPU per row).
        self._con.execute("SET threads = 1")
        # A full row group is compressed into the file as soon as the insert fills it, on the
        # writer's thread while Python converts the next part; DuckDB's default buffers five and
        # compresses them all at once, which left the reading thread waiting.
        self._con.execute("SET write_buffer_row_group_count = 1")
        # Each large commit ends in a partial row group. DuckDB's vacuum merges those at every
        # checkpoint, rewriting whole row groups that were already compressed: the close of a
        # 600,000-customer sync took 1.8-2.5 s instead of 0.3. Without it a table keeps a few
        # more row groups. Rows that append_dedup replaced are the exception (see `close`).
        self._con.execute("SET max_vacuum_tasks = 0")
        self._replaced = False  # append_dedup deleted rows: the close vacuums
        self._uncheckpointed = 0  # rows committed to the WAL since the last checkpoint

    @classmethod
    def from_url(cls, url: str) -> DuckDBDestination:
        """`duckdb:///relative/file.duckdb`, `duckdb:////absolute/file.duckdb` or `duckdb:///:memory:`,
        with an optional `?schema=name`."""
        rest = url.split("://", 1)[1] if "://" in url else ""
        path, _, query = rest.partition("?")
        if not path.startswith("/") or len(path) < 2:
            raise DestinationError(
                f"bad DuckDB URL {url!r}: write duckdb:///file.duckdb (relative) or duckdb:////abs/file.duckdb"
            )
        schema = "main"
        for part in filter(None, query.split("&")):
            name, _, value = part.partition("=")
            if name != "schema" or not value:
                raise DestinationError(f"bad DuckDB URL {url!r}: the only option is ?schema=name")
            schema = value
        return cls(path[1:], schema=schema, description=url)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection, for reading the tables back."""
        return self._con

    def close(self) -> None:
        if self._replaced:
            # Only a vacuum gives back the space of deleted rows in row groups that keep others:
            # without it a table updated by append_dedup grew by every update (150,000 customers
            # with a tenth replaced per sync: 2 MB a sync, where the vacuum holds it near 26 MB).
            self._con.execute("RESET max_vacuum_tasks")
        self._con.close()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._con.execute(sql, list(params))

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._con.execute(sql, list(params)).fetchall()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.begin()
        try:
            yield
        except BaseException:
            self._con.rollback()
            raise
        self._con.commit()

    def _committed(self, rows: int) -> None:
        if rows < ROW_GROUP_ROWS:  # a larger transaction went straight to the file, not to the WAL
            self._uncheckpointed += rows
        if self._uncheckpointed >= ROW_GROUP_ROWS:
            self._uncheckpointed = 0
            self._con.execute("CHECKPOINT")

    def table_columns(self, table: str) -> Columns | None:
        """As `SqlDestination.table_columns`, from `pragma_table_info`: the first catalog query of a
        connection through `information_schema` (or `duckdb_columns()`) takes 15 ms, this 0.5. A
        missing table fails the query, which would abort an open transaction: not called in one."""
        try:
            rows = self._query("SELECT name, type FROM pragma_table_info(?)", (self.ref(table),))
        except duckdb.CatalogException:
            return None
        return {name: self.column_type(kind) for name, kind in rows} or None

    def sql_type(self, column_type: ColumnType) -> str:
        return SQL_TYPES[column_type]

    def column_type(self, sql_type: str) -> ColumnType:
        return FROM_SQL.get(sql_type.upper(), ColumnType.STRING)

    def _prepare_rows(self, stream: OpenStream, columns: Columns, batch: Batch) -> ArrowRows:
        data = data_names(columns)
        arrays = record_arrays(batch, data, columns)
        arrays.append(pa.array(batch.emitted_at, pa.int64()).cast(pa.timestamp("ms", tz="UTC")))
        # Positional names in the Arrow table: no field name ever needs quoting there.
        table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
        exprs = [CASTS.get(columns[name], "{}").format(f"c{i}") for i, name in enumerate(data)]
        select = ", ".join(
            [f"{expr} AS {quote(name)}" for expr, name in zip(exprs, data, strict=True)]
            + [f"c{len(data)} AS {quote(EXTRACTED_AT)}", f"CAST(? AS VARCHAR) AS {quote(SYNC_ID)}"]
        )
        names = ", ".join(quote(name) for name in [*data, EXTRACTED_AT, SYNC_ID])
        insert = f"INSERT INTO {self.ref(stream.table)} ({names}) SELECT {select} FROM {BATCH_VIEW}"
        delete = None
        if stream.keys:
            keys = [data.index(key) for key in stream.keys]
            using = ", ".join(f"{exprs[i]} AS k{i}" for i in keys)
            match = " AND ".join(f"t.{quote(data[i])} = b.k{i}" for i in keys)
            batch_keys = f"(SELECT {using} FROM {BATCH_VIEW}) AS b"
            delete = f"DELETE FROM {self.ref(stream.table)} AS t USING {batch_keys} WHERE {match}"
        return ArrowRows(table, insert, delete)

    def _write_rows(self, stream: OpenStream, columns: Columns, rows: ArrowRows) -> None:
        self._con.register(BATCH_VIEW, rows.table)
        try:
            if rows.delete is not None:
                (deleted,) = self._con.execute(rows.delete).fetchone() or (0,)
                self._replaced = self._replaced or deleted > 0
            self._con.execute(rows.insert, [stream.sync_id])
        finally:
            self._con.unregister(BATCH_VIEW)


def _open(path: str) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the file, attached with `ROW_GROUP_SIZE`. It belongs
    to an in-memory instance named after the file, which later connections to the same file in this
    process share, as `duckdb.connect(path)` shares one instance per file (a file cannot be attached
    by two instances at once). The instance, and the file's lock, go with its last connection."""
    if path == ":memory:":
        return duckdb.connect(path)
    absolute = str(Path(path).expanduser().resolve())
    con = duckdb.connect(f":memory:mogul-{hashlib.sha256(absolute.encode()).hexdigest()[:16]}")
    try:
        literal = "'" + absolute.replace("'", "''") + "'"
        con.execute(f"ATTACH IF NOT EXISTS {literal} AS {CATALOG} (ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
        con.execute(f"USE {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


@dataclass(frozen=True)
class ArrowRows:
    """A prepared batch: its Arrow table and the statements that read it from `BATCH_VIEW`."""

    table: pa.Table
    insert: str
    delete: str | None  # append_dedup: the rows the batch replaces
