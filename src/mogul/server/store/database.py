"""Engine creation and schema management for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool

from . import schema

DEFAULT_DATABASE = "sqlite:///mogul.db"
SQLITE_POOL_SIZE = 40
READ_MMAP_BYTES = 1 << 30  # address space, not memory: only the pages read are resident
WRITE_CACHE_KIB = 64 * 1024  # the SQLite write connection's page cache
WAL_CHECKPOINT_PAGES = 10_000  # the SQLite write connection's wal_autocheckpoint
BUSY_TIMEOUT_SECONDS = 30  # how long a SQLite writer waits for the write lock before "database is locked"


def normalise_url(url: str) -> str:
    """Accept the URLs users write (`postgresql://`, `postgres://`) and pick the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


CONNECT_TIMEOUT_SECONDS = 10


def _parse_url(url: str) -> URL:
    """The parsed URL of a database mogul can use, or an ArgumentError in one line (without the password)."""
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend == "postgresql":
            parsed.port  # noqa: B018 - a port that is not a number fails here rather than at connect time
    except (ArgumentError, ValueError):
        # SQLAlchemy's own message for what it cannot parse; it never repeats the URL (nor its password).
        raise ArgumentError("Could not parse SQLAlchemy URL from given URL string") from None
    if backend not in ("sqlite", "postgresql"):
        raise ArgumentError(f"mogul stores data in SQLite or PostgreSQL, not {backend}")
    return parsed


def describe_url(url: str) -> str:
    """The URL with any password hidden, for logs and messages."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


class Database:
    """One SQLAlchemy engine plus the schema migration that runs on start."""

    def __init__(self, url: str = DEFAULT_DATABASE, *, pool_size: int = 10) -> None:
        self.url = normalise_url(url)
        parsed = _parse_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            # One connection per thread would serialise nothing: SQLite itself locks; WAL lets readers run
            # beside the single writer, and busy_timeout makes writers queue instead of failing.
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS}
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("an in-memory SQLite database cannot be shared; give a file path")
            if pool_size == 0:
                kwargs["poolclass"] = NullPool
            else:
                # Keep a connection for each of the server's request threads (anyio runs up to 40): the default
                # pool kept 5, so under 20 parallel requests most of them opened a connection and ran the
                # pragmas again.
                kwargs["pool_size"] = max(pool_size, SQLITE_POOL_SIZE)
                kwargs["max_overflow"] = pool_size
                # The connection returned last is taken first: each has its own page cache, and a read on the
                # one that just ran finds the pages it needs there (first in, first out cycled through all 40).
                kwargs["pool_use_lifo"] = True
        else:
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size * 2
            kwargs["pool_pre_ping"] = True
            if "connect_timeout" not in parsed.query:
                # An unreachable host fails in seconds, not after the operating system's TCP timeout (minutes).
                kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        # JSON columns (customers' tags, custom and merged ids, engine results) are decoded on every list page:
        # orjson reads the stdlib's output to the same values, several times faster.
        kwargs["json_deserializer"] = orjson.loads
        self.engine: Engine = create_engine(self.url, **kwargs)
        # SQLite: every write of this process goes through one kept connection (the writer lock serialises them
        # anyway). A connection's page cache is dropped whenever another connection has committed, so writers
        # taking turns over the pool's 40 connections read each index page again from the OS on every
        # transaction (about 35 pread calls per import request); one write connection keeps its cache warm.
        self._write_engine: Engine = self.engine
        if self.dialect == "sqlite":
            write_kwargs = {key: kwargs[key] for key in ("connect_args", "json_deserializer")}
            self._write_engine = create_engine(
                self.url, pool_size=1, max_overflow=0, pool_timeout=BUSY_TIMEOUT_SECONDS, **write_kwargs
            )
            event.listen(self._write_engine, "connect", _sqlite_write_pragmas)
            event.listen(self._write_engine, "begin", _sqlite_begin)
        self._write_conn: Connection | None = None  # SQLite: kept between write transactions, under the lock
        self._group = threading.local()  # .conn: the transaction of this thread's open group()
        self._kept = threading.local()  # .conn: this thread's kept read connection (keep_reads)
        self._kept_conns: dict[threading.Thread, Connection] = {}
        self._kept_lock = threading.Lock()
        self._kept_engine: Engine | None = None
        if self.dialect == "sqlite":
            # Kept read connections are not the pool's: a kept one never returns, and must not starve it.
            kept_kwargs = {key: kwargs[key] for key in ("connect_args", "json_deserializer")}
            self._kept_engine = create_engine(self.url, poolclass=NullPool, **kept_kwargs)
            event.listen(self._kept_engine, "connect", _sqlite_read_pragmas)
            event.listen(self._kept_engine, "begin", _sqlite_begin)
        # SQLite has one writer at a time. Left to SQLite, a waiting writer polls with sleeps that back off to
        # 100 ms, so the lock sat free while writers slept; queuing this process's writers on a lock hands it
        # over at once. Other processes still wait through busy_timeout.
        self._writer: AbstractContextManager[Any] = (
            _WriterLock(BUSY_TIMEOUT_SECONDS) if self.dialect == "sqlite" else contextlib.nullcontext()
        )
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_read_pragmas)
            # pysqlite's own transaction handling defers BEGIN; take control so writes begin IMMEDIATE and
            # concurrent writers wait on the lock instead of failing half-way with "database is locked".
            event.listen(self.engine, "begin", _sqlite_begin)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        if self.dialect != "sqlite":
            with self.engine.connect() as conn, conn.begin():
                yield conn
            return
        group: Connection | None = getattr(self._group, "conn", None)
        if group is not None:
            with _savepoint(group):
                yield group
            return
        with self._writer:
            # The write connection stays checked out between transactions: a pool checkout, a `Connection`, its
            # reset-on-return ROLLBACK and checkin cost a write transaction about a fifth of its CPU.
            conn = self._write_conn
            if conn is None:
                conn = self._write_conn = self._write_engine.connect()
                conn.execution_options(mogul_write=True)
            try:
                with conn.begin():
                    yield conn
            except BaseException:
                if conn.invalidated or conn.in_transaction():  # a failed BEGIN or ROLLBACK: start afresh
                    self._write_conn = None
                    with contextlib.suppress(Exception):
                        conn.close()
                raise

    @contextmanager
    def group(self) -> Iterator[None]:
        """SQLite: one write transaction for every `begin()` on this thread until the block ends, each in a savepoint
        of its own (an error undoes only its part); `read()` on this thread sees the group's writes. Committed
        at the end of the block: nothing is stored, or answered as stored, before then.

        The write thread groups the writes that queued while it was busy (writer.py). A commit writes every page
        the transaction dirtied to the WAL; consecutive imports dirty the same index pages, so a group writes
        each once instead of once per request."""
        if self.dialect != "sqlite":
            raise RuntimeError("write groups are for SQLite (one write connection per process)")
        with self.begin() as conn:
            self._group.conn = conn
            try:
                yield
                _require_transaction(conn)  # an error that rolled the whole group back fails all of it
            finally:
                self._group.conn = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read: one snapshot of the database for all its statements."""
        group: Connection | None = getattr(self._group, "conn", None)
        if group is not None:
            yield group
            return
        kept = self._kept_connection()
        if kept is None:
            with self.engine.connect() as conn:
                yield conn
        elif kept.in_transaction():  # a read within a read on this thread
            yield kept
        else:
            try:
                with kept.begin():
                    yield kept
            finally:
                if kept.invalidated:
                    self._release(threading.current_thread())

    def keep_reads(self) -> None:
        """SQLite: keep a connection for this thread's reads from now on (the app's read threads, readers.py). A
        read on it skips the pool's checkout, reset and checkin (about 0.05 ms of a list page's 1.1 ms of server
        CPU). Made at the thread's first read; closed once the thread has ended (`release_ended_reads`) or by
        `dispose`."""
        if self._kept_engine is not None:
            self._kept.wanted = True

    def _kept_connection(self) -> Connection | None:
        conn: Connection | None = getattr(self._kept, "conn", None)
        if conn is not None and not conn.closed:
            return conn
        if self._kept_engine is None or not getattr(self._kept, "wanted", False):
            return None
        conn = self._kept.conn = self._kept_engine.connect()
        with self._kept_lock:
            self._kept_conns[threading.current_thread()] = conn
        return conn

    def release_ended_reads(self) -> None:
        """Close the kept read connections of threads that have ended."""
        with self._kept_lock:
            ended = [thread for thread in self._kept_conns if not thread.is_alive()]
        for thread in ended:
            self._release(thread)

    def _release(self, thread: threading.Thread) -> None:
        with self._kept_lock:
            conn = self._kept_conns.pop(thread, None)
        if thread is threading.current_thread():
            self._kept.conn = None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def migrate(self) -> None:
        """Create missing tables, bring an older schema up to `SCHEMA_VERSION`, and store the customers' list entries
        again if they were rendered otherwise than this version renders them (customer_entries.py)."""
        schema.metadata.create_all(self.engine)
        with self.begin() as conn:
            row = conn.execute(
                select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
            ).scalar_one_or_none()
            if row is None:
                conn.execute(schema.meta.insert().values(key="schema_version", value=str(schema.SCHEMA_VERSION)))
            elif int(row) > schema.SCHEMA_VERSION:
                raise RuntimeError(
                    f"the database schema (version {row}) is newer than this mogul ({schema.SCHEMA_VERSION})"
                )
            elif int(row) < schema.SCHEMA_VERSION:
                _upgrade(conn, int(row))
                conn.execute(
                    schema.meta.update()
                    .where(schema.meta.c.key == "schema_version")
                    .values(value=str(schema.SCHEMA_VERSION))
                )

        from . import customer_entries  # imports the customers store, which imports this module

        with self.begin() as conn:
            if not customer_entries.current(conn):  # made by a version that rendered customers otherwise
                customer_entries.store_all(conn)

        from .account import ensure_account  # the account row is part of a usable schema

        ensure_account(self)

    def dispose(self) -> None:
        for thread in list(self._kept_conns):
            self._release(thread)
        if self._write_conn is not None:
            with self._writer:
                conn, self._write_conn = self._write_conn, None
                if conn is not None:
                    conn.close()
        self.engine.dispose()
        self._write_engine.dispose()
        if self._kept_engine is not None:
            self._kept_engine.dispose()


class _WriterLock:
    """Queues one process's SQLite writers. Reentrant, so a nested write (which SQLite refuses anyway) fails
    there as before instead of hanging here; gives up after the busy timeout with SQLite's own error."""

    def __init__(self, timeout: float) -> None:
        self._lock = threading.RLock()
        self._timeout = timeout

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=self._timeout):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def _upgrade(conn: Connection, version: int) -> None:
    """Bring a schema at `version` to `SCHEMA_VERSION`; new tables were already made by create_all.

    1 -> 2 added the Import API tables. 2 -> 3 replaced the data source processing counters with counts derived
    from the processing queue and results, so the old counter columns go. 3 -> 4 indexed the customers list by
    data source and status (create_all adds no index to a table that exists). 4 -> 5 moved two defaults that
    earlier versions stored though nothing read them, to ChartMogul's documented ones (docs/metrics.md): new
    subscribers need a fully paid first invoice, and Smart Activity Classification is on. 5 -> 6 dropped the
    customers' SQLite-rendered list entries (their columns and triggers): lists render in Python on every
    database; and indexed activities in page order (`ix_activities_date_id`, ensured on every start before).
    """
    if version < 3:
        present = {col["name"] for col in inspect(conn).get_columns("data_sources")}
        for name in ("processed", "pending", "failed"):
            if name in present:
                conn.exec_driver_sql(f"ALTER TABLE data_sources DROP COLUMN {name}")
    if version < 4:
        for index in schema.CUSTOMER_LIST_INDEXES:
            index.create(conn, checkfirst=True)
    if version < 5:
        from .metric_settings import upgrade_stored_defaults

        upgrade_stored_defaults(conn)
    if version < 6:
        _drop_stored_customer_renders(conn)
        schema.ACTIVITIES_PAGE_INDEX.create(conn, checkfirst=True)


# What schema 5 added outside the schema on SQLite: triggers `mogul_*_render_*` filling two customers columns.
_RENDER_COLUMNS = ("render_head", "render_tail")


def _drop_stored_customer_renders(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    triggers = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
    for name in triggers:
        if name.startswith("mogul_") and "_render_" in name:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    present = {col["name"] for col in inspect(conn).get_columns("customers")}
    for column in _RENDER_COLUMNS:
        if column in present:
            conn.exec_driver_sql(f"ALTER TABLE customers DROP COLUMN {column}")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cur.close()


@contextmanager
def _savepoint(conn: Connection) -> Iterator[None]:
    """One `begin()` inside a group: a SAVEPOINT straight on the driver (through SQLAlchemy it cost as much as a
    transaction)."""
    driver = conn.connection.driver_connection
    _require_transaction(conn)
    _driver_sql(driver, "SAVEPOINT mogul_write")
    try:
        yield
    except BaseException:
        if driver.in_transaction:
            _driver_sql(driver, "ROLLBACK TO mogul_write")
            _driver_sql(driver, "RELEASE mogul_write")
        raise
    _driver_sql(driver, "RELEASE mogul_write")


def _driver_sql(driver: sqlite3.Connection, sql: str) -> None:
    try:
        driver.execute(sql)
    except sqlite3.Error as exc:  # as SQLAlchemy would raise it
        raise OperationalError(sql, None, exc) from exc


def _require_transaction(conn: Connection) -> None:
    # Some SQLite errors (a full disk, an I/O error) roll back the whole transaction; a SAVEPOINT after that would
    # quietly start a new one, and the group's earlier writes would be answered as stored.
    if not conn.connection.driver_connection.in_transaction:
        raise OperationalError("SAVEPOINT", None, sqlite3.OperationalError("the write group was rolled back"))


def _sqlite_read_pragmas(dbapi_conn: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    # List pages walk much of a large table per read (an Airbyte sync reads every activity): mapped, SQLite reads
    # its pages in place instead of copying each in through its 2 MB cache with a read() call.
    dbapi_conn.execute(f"PRAGMA mmap_size={READ_MMAP_BYTES}")


def _sqlite_write_pragmas(dbapi_conn: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    # The one write connection's cache holds the indexes' hot pages (the right edges, the recent customers):
    # SQLite's default of 2 MB was smaller than a 10,000-customer import's working set.
    dbapi_conn.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
    # A checkpoint copies every page in the WAL back to the database; the default (every 1,000 pages, 4 MB) ran
    # one every few dozen imports, each copying the same hot index pages again. Every 10,000 pages (40 MB of WAL)
    # the copies coalesce: 2,000 demo customers' writes took about 14% less CPU.
    dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    # Statement journals (a multi-row INSERT's undo within a transaction) in memory rather than in a temporary file
    # opened, written and unlinked per statement.
    dbapi_conn.execute("PRAGMA temp_store=MEMORY")


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the lock up front (IMMEDIATE) so that two of them never deadlock on an upgrade from a
    # read lock; readers begin deferred and, with WAL, never wait for a writer. Straight to the driver: every
    # transaction runs this, and SQLAlchemy's statement path cost more than the BEGIN itself.
    sql = "BEGIN IMMEDIATE" if conn.get_execution_options().get("mogul_write", False) else "BEGIN"
    _driver_sql(conn.connection.driver_connection, sql)
