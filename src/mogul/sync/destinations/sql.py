"""The table, staging and state logic shared by the SQL destinations.

Each dialect supplies a connection, its type names and a bulk loader; everything that decides
what is written where, and in which transaction, lives here so both destinations behave alike.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, ClassVar, Self

import orjson

from ..batch import Batch
from ..catalog import StreamSpec, WriteMode
from ..columns import META_COLUMNS, Columns, ColumnType, infer_type, schema_columns
from .base import DestinationError, PreparedBatch, StoredState, StreamStatus

STATE_TABLE = "_mogul_state"
STAGING_PREFIX = "_mogul_staging_"
DEFAULT_CHECKPOINT_ROWS = 20_000


def quote(name: str) -> str:
    """A quoted SQL identifier: API field names such as `customer-since` are kept verbatim."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class OpenStream:
    """A stream being written during this sync."""

    spec: StreamSpec
    mode: WriteMode
    sync_id: str
    target: str  # the table readers query
    table: str  # the table written to: the target, or the staging table of an overwrite
    columns: Columns
    keys: tuple[str, ...]  # primary key columns for append_dedup, else empty
    state: Mapping[str, Any] | None  # the last state committed
    # The columns once every batch prepared so far is written: `prepare` runs ahead of the writes.
    planned: Columns | None = None  # None: the same as `columns`


class SqlDestination(ABC):
    """A destination whose writes are SQL transactions; see `Destination` for the contract."""

    param: ClassVar[str]  # the driver's placeholder
    case_insensitive_names: ClassVar[bool] = False
    checkpoint_rows: ClassVar[int] = DEFAULT_CHECKPOINT_ROWS

    def __init__(self, description: str, schema: str) -> None:
        self.description = description
        self.schema = schema
        self._streams: dict[str, OpenStream] = {}
        self._ready = False
        self._open: _OpenTransaction | None = None  # parts written, waiting for their checkpoint

    # --- dialect hooks -----------------------------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def sql_type(self, column_type: ColumnType) -> str: ...

    @abstractmethod
    def column_type(self, sql_type: str) -> ColumnType:
        """The column type of an existing column, from information_schema's `data_type`."""

    def _prepare_rows(self, stream: OpenStream, columns: Columns, batch: Batch) -> Any:
        """The batch converted for `_write_rows`, without the database (see `prepare`)."""
        return batch

    @abstractmethod
    def _write_rows(self, stream: OpenStream, columns: Columns, rows: Any) -> None:
        """Insert the prepared rows into `stream.table`, whose columns are `columns`; with
        `stream.keys`, first delete the rows whose key the batch holds (it has one record per key)."""

    def _prepare_keys(self, stream: OpenStream) -> None:  # noqa: B027 - most dialects need nothing
        """Make key lookups cheap on the target table, if the dialect needs help."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # --- names -------------------------------------------------------------------------------
    def ref(self, table: str) -> str:
        return f"{quote(self.schema)}.{quote(table)}"

    # --- state -------------------------------------------------------------------------------
    def _ensure_ready(self) -> None:
        if self._ready:
            return
        text, json = self.sql_type(ColumnType.STRING), self.sql_type(ColumnType.JSON)
        with self._transaction():
            self._execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
            self._execute(
                f"CREATE TABLE IF NOT EXISTS {self.ref(STATE_TABLE)} ("
                f"stream {text} PRIMARY KEY, mode {text} NOT NULL, status {text} NOT NULL, "
                f"state {json}, sync_id {text}, updated_at {self.sql_type(ColumnType.TIMESTAMP)})"
            )
        self._ready = True

    def stored_states(self) -> dict[str, StoredState]:
        self._ensure_ready()
        rows = self._query(
            f"SELECT stream, mode, status, CAST(state AS {self.sql_type(ColumnType.STRING)}), sync_id, "
            f"CAST(updated_at AS {self.sql_type(ColumnType.STRING)}) FROM {self.ref(STATE_TABLE)}"
        )
        states: dict[str, StoredState] = {}
        for stream, mode, status, state, sync_id, updated_at in rows:
            try:
                states[stream] = StoredState(
                    stream=stream,
                    mode=WriteMode(mode),
                    status=StreamStatus(status),
                    state=orjson.loads(state) if state is not None else None,
                    sync_id=sync_id,
                    updated_at=_parse_timestamp(updated_at),
                )
            except ValueError:
                continue  # a row this version does not understand is the same as no state
        return states

    def _put_state(self, stream: OpenStream, status: StreamStatus, state: Mapping[str, Any] | None) -> None:
        p = self.param
        self._execute(f"DELETE FROM {self.ref(STATE_TABLE)} WHERE stream = {p}", (stream.spec.name,))
        self._execute(
            f"INSERT INTO {self.ref(STATE_TABLE)} VALUES "
            f"({p}, {p}, {p}, CAST({p} AS {self.sql_type(ColumnType.JSON)}), {p}, CURRENT_TIMESTAMP)",
            (
                stream.spec.name,
                stream.mode.value,
                status.value,
                None if state is None else orjson.dumps(state).decode(),
                stream.sync_id,
            ),
        )

    def _forget_state(self, name: str) -> None:
        self._execute(f"DELETE FROM {self.ref(STATE_TABLE)} WHERE stream = {self.param}", (name,))

    # --- tables ------------------------------------------------------------------------------
    def table_columns(self, table: str) -> Columns | None:
        """The columns of a table in order, or None when there is no such table."""
        p = self.param
        rows = self._query(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = {p} AND table_name = {p} ORDER BY ordinal_position",
            (self.schema, table),
        )
        return {name: self.column_type(kind) for name, kind in rows} or None

    def _create_table(self, table: str, columns: Columns) -> Columns:
        """Create the table; returns its columns (without names that fold to one already there)."""
        kept: Columns = {}
        folded: set[str] = set()
        for name, kind in columns.items():
            if self.case_insensitive_names and name.lower() in folded:
                continue
            kept[name] = kind
            folded.add(name.lower())
        body = ", ".join(f"{quote(name)} {self.sql_type(kind)}" for name, kind in kept.items())
        self._execute(f"CREATE TABLE {self.ref(table)} ({body})")
        return kept

    def _drop_table(self, table: str) -> None:
        self._execute(f"DROP TABLE IF EXISTS {self.ref(table)}")

    def _missing_columns(self, existing: Columns, wanted: Mapping[str, ColumnType]) -> Columns:
        """The wanted columns the table lacks."""
        missing: Columns = {}
        folded = {name.lower() for name in existing} if self.case_insensitive_names else set()
        for name, kind in wanted.items():
            if name in existing or name in missing or name.lower() in folded:
                continue  # a name differing only in case cannot be a second column here
            missing[name] = kind
            folded.add(name.lower())
        return missing

    def _add_columns(self, table: str, existing: Columns, wanted: Mapping[str, ColumnType]) -> Columns:
        """Add the wanted columns the table lacks; returns the table's columns afterwards."""
        missing = self._missing_columns(existing, wanted)
        self._alter_add(table, missing)
        return {**existing, **missing}

    def _alter_add(self, table: str, columns: Columns) -> None:
        for name, kind in columns.items():
            self._execute(f"ALTER TABLE {self.ref(table)} ADD COLUMN {quote(name)} {self.sql_type(kind)}")

    # --- the Destination protocol ------------------------------------------------------------
    def resume_state(self, stream: str, mode: WriteMode) -> Mapping[str, Any] | None:
        stored = self.stored_states().get(stream)
        if stored is None or stored.state is None:
            return None
        if mode is WriteMode.OVERWRITE:
            # Only an interrupted overwrite resumes, and only into the staging table it left.
            interrupted = stored.mode is WriteMode.OVERWRITE and stored.status is StreamStatus.RUNNING
            if interrupted and self.table_columns(STAGING_PREFIX + stream) is not None:
                return stored.state
            return None
        return stored.state if stored.mode is not WriteMode.OVERWRITE else None

    def begin_stream(self, spec: StreamSpec, mode: WriteMode, *, sync_id: str, resume: bool) -> None:
        if self._open is not None:  # parts of a batch whose checkpoint never came (a failed sync)
            opened, self._open = self._open, None
            opened.end(DestinationError(f"{opened.stream}: a batch was never checkpointed"))
        self._ensure_ready()
        stored = self.stored_states().get(spec.name)
        wanted = schema_columns(spec.json_schema)
        keys = spec.key_columns if mode is WriteMode.APPEND_DEDUP else ()
        for key in keys:
            wanted.setdefault(key, ColumnType.STRING)  # a key the schema forgot still needs a column
        staging = STAGING_PREFIX + spec.name
        interrupted = stored is not None and stored.mode is WriteMode.OVERWRITE
        interrupted = interrupted and stored.status is StreamStatus.RUNNING  # type: ignore[union-attr]
        continuing = resume and mode is WriteMode.OVERWRITE and self.resume_state(spec.name, mode) is not None
        # Read before the transaction: a dialect may look a missing table up with a failing query.
        existing = self.table_columns(staging if mode is WriteMode.OVERWRITE else spec.name)
        with self._transaction():
            if mode is WriteMode.OVERWRITE:
                stream = OpenStream(spec, mode, sync_id, spec.name, staging, wanted, (), None)
                if continuing and existing is not None:
                    stream.columns = self._add_columns(staging, existing, wanted)
                    stream.state = stored.state  # type: ignore[union-attr]
                else:
                    # A fresh staging table and a reset state, together: a state left from an
                    # earlier attempt must never describe rows that are no longer there.
                    self._drop_table(staging)
                    stream.columns = self._create_table(staging, wanted)
                    self._put_state(stream, StreamStatus.RUNNING, None)
            else:
                if interrupted:
                    # The stream was an interrupted overwrite and is now appended: its partial
                    # copy and the state describing it go.
                    self._drop_table(staging)
                    self._forget_state(spec.name)
                    stored = None
                appended = stored is not None and stored.mode is not WriteMode.OVERWRITE
                previous = stored.state if appended else None  # type: ignore[union-attr]
                stream = OpenStream(spec, mode, sync_id, spec.name, spec.name, wanted, keys, previous)
                if existing is None:
                    stream.columns = self._create_table(spec.name, wanted)
                else:
                    stream.columns = self._add_columns(spec.name, existing, wanted)
                if keys:
                    self._prepare_keys(stream)
        self._streams[spec.name] = stream

    def _stream(self, name: str) -> OpenStream:
        try:
            return self._streams[name]
        except KeyError:
            raise DestinationError(f"stream {name!r} was not begun") from None

    def prepare(self, stream: str, batch: Batch) -> PreparedBatch:
        """Plan the columns the batch adds and convert its rows; no database access, so this runs on
        the reading thread while the writer's thread commits the previous batch."""
        open_stream = self._stream(stream)
        columns = open_stream.columns if open_stream.planned is None else open_stream.planned
        added: Columns = {}
        rows = None
        if batch:
            new = batch.field_names().difference(columns, META_COLUMNS)
            if new:
                inferred = {name: infer_type(batch.column(name)) for name in sorted(new)}
                added = self._missing_columns(columns, inferred)
                columns = {**columns, **added}
            if open_stream.keys:
                batch = batch.latest_by(open_stream.keys)
            rows = self._prepare_rows(open_stream, columns, batch)
        open_stream.planned = columns
        return PreparedBatch(stream, len(batch), columns, added, rows)

    def _prepared(self, stream: str, batch: Batch | PreparedBatch) -> PreparedBatch:
        if isinstance(batch, PreparedBatch):
            if batch.stream != stream:
                raise DestinationError(f"a batch prepared for {batch.stream!r} written to {stream!r}")
            return batch
        return self.prepare(stream, batch)

    def _write(self, stream: OpenStream, prepared: PreparedBatch, columns: Columns) -> None:
        """Insert the batch into a table whose columns are `columns` so far."""
        if len(prepared.columns) - len(prepared.added) != len(columns):
            # Prepared on top of columns a failed write was to add, and rolled back.
            raise DestinationError(f"{stream.spec.name}: the batch was prepared before a failed write")
        self._alter_add(stream.table, prepared.added)
        if prepared.size:
            self._write_rows(stream, prepared.columns, prepared.rows)

    def write(self, stream: str, batch: Batch | PreparedBatch) -> None:
        open_stream = self._stream(stream)
        prepared = self._prepared(stream, batch)
        if self._open is None:
            scope = self._transaction()
            scope.__enter__()
            self._open = _OpenTransaction(stream, scope, open_stream.columns)
        elif self._open.stream != stream:
            raise DestinationError(f"{stream}: a transaction of {self._open.stream!r} is open")
        try:
            self._write(open_stream, prepared, self._open.columns)
            self._open.rows += prepared.size
        except BaseException as error:
            self._open, opened = None, self._open
            open_stream.planned = None
            opened.end(error)
            raise
        self._open.columns = prepared.columns

    def _committed(self, rows: int) -> None:  # noqa: B027 - most dialects need nothing
        """A checkpoint committed `rows` rows in one transaction."""

    @contextmanager
    def _commit_scope(self, stream: OpenStream) -> Iterator[tuple[Columns, int]]:
        """The transaction that `write` opened for this stream, or a new one; yields the columns
        the table has in it so far and the rows written in it."""
        opened, self._open = self._open, None
        if opened is None:
            with self._transaction():
                yield stream.columns, 0
            return
        if opened.stream != stream.spec.name:  # not done by the runner: the parts are dropped
            error = DestinationError(f"{stream.spec.name}: a transaction of {opened.stream!r} was open")
            opened.end(error)
            raise error
        try:
            yield opened.columns, opened.rows
        except BaseException as error:
            opened.end(error)
            raise
        opened.end()

    def checkpoint(self, stream: str, batch: Batch | PreparedBatch, state: Mapping[str, Any] | None) -> None:
        open_stream = self._stream(stream)
        prepared = self._prepared(stream, batch)
        if state is not None:
            covered = state
        elif open_stream.mode is WriteMode.OVERWRITE:
            covered = None  # rows no state covers: an interrupted copy can only start over
        else:
            covered = open_stream.state  # appended rows stay; a resume may send them again
        try:
            with self._commit_scope(open_stream) as (columns, rows):
                self._write(open_stream, prepared, columns)
                self._put_state(open_stream, StreamStatus.RUNNING, covered)
        except BaseException:
            # The added columns were rolled back with the rest; batches prepared after this one
            # must not be written (the runner stops at the first failed write).
            open_stream.planned = None
            raise
        open_stream.columns = prepared.columns
        open_stream.state = covered
        self._committed(rows + prepared.size)

    def finish_stream(self, stream: str, batch: Batch | PreparedBatch, state: Mapping[str, Any] | None) -> None:
        open_stream = self._stream(stream)
        prepared = self._prepared(stream, batch)
        covered = state if state is not None else open_stream.state
        try:
            with self._commit_scope(open_stream) as (columns, _):
                self._write(open_stream, prepared, columns)
                if open_stream.table != open_stream.target:
                    # The swap: readers see the old table until this commits, then the new one.
                    self._drop_table(open_stream.target)
                    self._execute(f"ALTER TABLE {self.ref(open_stream.table)} RENAME TO {quote(open_stream.target)}")
                self._put_state(open_stream, StreamStatus.COMPLETE, covered)
        except BaseException:
            open_stream.planned = None
            raise
        del self._streams[stream]


@dataclass
class _OpenTransaction:
    """A transaction `write` began: the parts of one batch, committed by its checkpoint."""

    stream: str
    scope: AbstractContextManager[None]
    columns: Columns  # the table's columns inside the transaction
    rows: int = 0

    def end(self, error: BaseException | None = None) -> None:
        """Commit, or with `error` roll back."""
        if error is None:
            self.scope.__exit__(None, None, None)
        else:
            self.scope.__exit__(type(error), error, error.__traceback__)


def _parse_timestamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
