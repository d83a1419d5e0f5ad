"""Asynchronous processing after imports, as in ChartMogul: imports enqueue customers; a background thread
computes them with the metrics engine and swaps their results in, one transaction per batch.

While a customer of a data source is queued, that source reports `status: "working"` and counts it as
`pending`; readers keep seeing the previous results until the new ones are committed whole.

Results are computed as of "now" (Past Due, auto-churn), so time alone changes some of them: each result
says when (`recompute_at`, kept in `recompute_schedule`), and the processor re-queues those customers once
that moment passes, without a new import.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable

from sqlalchemy import Connection, and_, bindparam, delete, func, select
from sqlalchemy.exc import DataError, IntegrityError

from ..engine import CustomerResult, EngineInputError, Settings, compute_customer
from . import timefmt
from .store import schema
from .store.bulk import mark
from .store.database import Database
from .store.engine_io import CustomerInput, engine_settings, load_inputs, next_version, write_results
from .store.fx import loaded_rates
from .store.metric_settings import load_sources
from .store.schema import processing_queue, recompute_schedule

log = logging.getLogger("mogul.processing")
BATCH = 100
POLL_SECONDS = 0.05  # how soon another process's imports are noticed
# Under a stream of imports every enqueue wakes the processor, which then computes one or two customers per
# transaction: the fixed cost of a batch (a dozen statements, a commit, the write lock) dominated, about 2 ms
# of CPU per customer against 0.5 ms in full batches. So while imports stream in (the last batch had more than
# one customer) a batch starts at most this often unless a full one is waiting. A lone import (the last batch
# had one customer, or none for a while) is computed at once: import-to-metrics latency stays a few ms.
GATHER_SECONDS = 0.1
# How often the processor looks for customers whose results time has changed (an invoice fell due...).
SCHEDULE_SECONDS = 1.0
INT64_MAX = 2**63 - 1  # customers.mrr and customers.arr are 64-bit columns


def enqueue(conn: Connection, customers: Iterable[tuple[int, int]]) -> None:
    """Queue (customer_id, data_source_id) pairs for recomputation, in the caller's write transaction."""
    now = timefmt.now_us()
    rows = [(cid, dsid, secrets.token_hex(8), now) for cid, dsid in dict(customers).items()]
    if not rows:
        return
    # Straight to the driver: every import runs this, and SQLAlchemy compiled the upsert anew each time (about
    # a millisecond of CPU). The same SQL serves SQLite and PostgreSQL.
    sql = ENQUEUE_SQL.replace("?", mark(conn))
    if len(rows) == 1:
        conn.exec_driver_sql(sql, rows[0])
    else:
        conn.exec_driver_sql(sql, rows)
    notify()


ENQUEUE_SQL = (
    "INSERT INTO processing_queue (customer_id, data_source_id, token, enqueued_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (customer_id) DO UPDATE SET token = excluded.token, enqueued_at = excluded.enqueued_at"
)


_wake = threading.Event()


def notify() -> None:
    """Wake this process's processor now rather than at its next poll."""
    _wake.set()


def load_settings(db: Database) -> Settings:
    with db.read() as conn:
        return settings_in(conn)


def settings_in(conn: Connection) -> Settings:
    return engine_settings(conn.execute(select(schema.account)).one(), loaded_rates(conn), load_sources(conn))


_q, _c = processing_queue, schema.customers
# Built once, like engine_io's statements: a batch's fixed cost matters while imports stream in.
CLAIM = (
    select(_q.c.customer_id, _q.c.token)
    .join(_c, _c.c.id == _q.c.customer_id)
    .order_by(_q.c.enqueued_at)
    .limit(bindparam("limit"))
)
# PostgreSQL locks the queue rows and their customers up front, skipping any a writer holds: a customer delete
# locks the customer, then its queue row; taking both at once (never waiting) cannot deadlock with it.
# NO KEY UPDATE leaves imports free to reference the customer meanwhile.
CLAIM_LOCKED = CLAIM.with_for_update(of=(_q, _c), skip_locked=True, key_share=True)
# Only what was computed: a newer import changed the token and keeps the row queued.
UNQUEUE = delete(_q).where(and_(_q.c.customer_id == bindparam("cid"), _q.c.token == bindparam("token")))


def process_batch(db: Database, limit: int = BATCH) -> int:
    """Claim up to `limit` queued customers, compute them and commit their results. Returns how many.

    A customer whose results cannot be computed or stored is marked failed (its data source counts it under
    `processing_status.failed`) and unqueued; it never holds back the others: when a batch cannot be stored,
    its customers are stored one by one."""
    try:
        return _process(db, limit)
    except STORE_ERRORS:
        if limit == 1:
            raise
    # One customer's results could not be stored; which one is found by storing them one at a time.
    done = 0
    for _ in range(limit):
        claimed: list[int] = []
        try:
            count = _process(db, 1, claimed)
        except STORE_ERRORS as exc:
            count = _fail(db, claimed, exc)
        if not count:
            break
        done += count
    return done


# Errors of the data being written (a number past its column, a value the encoder refuses), as opposed to
# the database being unreachable or busy (OperationalError: the batch is retried as it is).
STORE_ERRORS = (DataError, IntegrityError, ArithmeticError, TypeError, ValueError)


def _process(db: Database, limit: int, claimed_ids: list[int] | None = None) -> int:
    with db.begin() as conn:
        claim = CLAIM_LOCKED if conn.dialect.name == "postgresql" else CLAIM
        claimed = conn.execute(claim, {"limit": limit}).all()
        if not claimed:
            return 0
        if claimed_ids is not None:
            claimed_ids.extend(row.customer_id for row in claimed)
        # Settings are read in the claim's transaction: a rates load committed with its re-queue is never
        # computed with the rates from before it.
        settings = settings_in(conn)
        inputs, plans = load_inputs(conn, [row.customer_id for row in claimed])
        now = timefmt.now_us()
        done: list[tuple[CustomerInput, CustomerResult | None, str | None]] = []
        for inp in inputs:
            try:
                result = compute_customer(inp.customer, inp.subscriptions, inp.line_items, plans, settings, as_of=now)
                _check_storable(result)
            except EngineInputError as exc:
                log.warning("customer %s cannot be computed: %s", inp.customer.uuid, exc)
                done.append((inp, None, str(exc)))
            except Exception as exc:  # the engine is pure: whatever it raised concerns this customer alone
                log.warning("customer %s cannot be computed: %s", inp.customer.uuid, type(exc).__name__)
                done.append((inp, None, f"computation failed: {type(exc).__name__}"))
            else:
                done.append((inp, result, None))
        write_results(conn, next_version(conn), done)
        conn.execute(UNQUEUE, [{"cid": row.customer_id, "token": row.token} for row in claimed])
    return len(claimed)


def _check_storable(result: CustomerResult) -> None:
    if not (-INT64_MAX <= result.mrr <= INT64_MAX and -INT64_MAX <= result.arr <= INT64_MAX):
        raise EngineInputError("its MRR or ARR is beyond the range that can be stored")


def _fail(db: Database, customer_ids: list[int], exc: Exception) -> int:
    """Mark customers failed whose results alone could not be stored. Logged once (the exception's type only:
    its message may carry SQL parameters, i.e. customer data)."""
    with db.begin() as conn:
        claim = CLAIM_LOCKED if conn.dialect.name == "postgresql" else CLAIM
        claimed = conn.execute(claim.where(_q.c.customer_id.in_(customer_ids)), {"limit": len(customer_ids)}).all()
        if not claimed:
            return 0
        inputs, _plans = load_inputs(conn, [row.customer_id for row in claimed])
        error = f"results cannot be stored: {type(exc).__name__}"
        for inp in inputs:
            log.warning("customer %s failed: %s", inp.customer.uuid, error)
        write_results(conn, next_version(conn), [(inp, None, error) for inp in inputs])
        conn.execute(UNQUEUE, [{"cid": row.customer_id, "token": row.token} for row in claimed])
    return len(claimed)


_rs = recompute_schedule
DUE = (
    select(_rs.c.customer_id, _c.c.data_source_id)
    .join(_c, _c.c.id == _rs.c.customer_id)
    .where(_rs.c.due_at <= bindparam("now"))
    .order_by(_rs.c.due_at, _rs.c.customer_id)
)
UNSCHEDULE = delete(_rs).where(_rs.c.customer_id == bindparam("cid"), _rs.c.due_at <= bindparam("now"))
_ANY_DUE = select(_rs.c.customer_id).where(_rs.c.due_at <= bindparam("now")).limit(1)


def enqueue_due(db: Database, now: int | None = None) -> int:
    """Queue the customers whose results time alone has changed by `now` (default: the clock). Returns how many."""
    now = timefmt.now_us() if now is None else now
    with db.read() as conn:
        if conn.execute(_ANY_DUE, {"now": now}).first() is None:
            return 0
    with db.begin() as conn:
        due = conn.execute(DUE, {"now": now}).all()
        if due:
            enqueue(conn, [(row.customer_id, row.data_source_id) for row in due])
            conn.execute(UNSCHEDULE, [{"cid": row.customer_id, "now": now} for row in due])
    return len(due)


def queued(db: Database) -> int:
    """How many customers wait in the queue (any data source)."""
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(processing_queue)).scalar_one()


def drain(db: Database) -> int:
    """Process until the queue is empty (for tests, the demo and benchmarks). Returns customers processed."""
    total = 0
    while count := process_batch(db):
        total += count
    return total


def maybe_queued(db: Database) -> bool:
    """False when the queue is certainly empty. On SQLite a plain read: an idle poll (20 a second) then costs a
    read instead of a write transaction's BEGIN IMMEDIATE, claim query and COMMIT, which took a few percent of a
    core from the requests being served."""
    if db.dialect != "sqlite":
        return True
    with db.read() as conn:
        return conn.execute(_ANY_QUEUED).first() is not None


_ANY_QUEUED = select(processing_queue.c.customer_id).limit(1)


class Processor:
    """The background thread of one server process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mogul-processor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        _wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        self.db.keep_reads()  # the idle poll, 20 reads a second, on a kept connection
        last_batch, last_count, last_schedule = 0.0, 0, 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_schedule >= SCHEDULE_SECONDS:
                    last_schedule = time.monotonic()
                    enqueue_due(self.db)
                while not self._stop.is_set():
                    wait = last_batch + GATHER_SECONDS - time.monotonic()
                    if last_count > 1 and wait > 0 and queued(self.db) < BATCH:
                        self._stop.wait(wait)
                        continue
                    started = time.monotonic()
                    last_count = process_batch(self.db) if maybe_queued(self.db) else 0
                    if not last_count:
                        break
                    last_batch = started
            except Exception as exc:  # keep serving; the queue keeps the work for the next round
                # The type only: a database error's message carries the statement's parameters (customer data).
                log.error("processing failed: %s", type(exc).__name__)
                time.sleep(1)
            _wake.wait(POLL_SECONDS)
            _wake.clear()
