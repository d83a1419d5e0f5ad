"""SQLite writes share one kept connection (Database.begin): its page cache stays warm across transactions and
threads, a failed transaction leaves it usable, and reads keep their own pool."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from mogul.server.store import Database
from mogul.server.store.database import WAL_CHECKPOINT_PAGES, WRITE_CACHE_KIB


def _driver_id(db: Database) -> tuple[int, tuple[int, int, int]]:
    with db.begin() as conn:
        pragmas = tuple(
            conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()
            for name in ("cache_size", "wal_autocheckpoint", "temp_store")
        )
        return id(conn.connection.driver_connection), pragmas


def test_every_write_uses_the_same_connection_from_any_thread(sqlite_db: Database) -> None:
    seen = [_driver_id(sqlite_db)]
    thread = threading.Thread(target=lambda: seen.append(_driver_id(sqlite_db)))
    thread.start()
    thread.join()
    seen.append(_driver_id(sqlite_db))
    assert len({ident for ident, _ in seen}) == 1
    assert {pragmas for _, pragmas in seen} == {(-WRITE_CACHE_KIB, WAL_CHECKPOINT_PAGES, 2)}  # 2: MEMORY
    with sqlite_db.read() as conn:  # reads stay on the pool, with SQLite's default cache
        assert id(conn.connection.driver_connection) != seen[0][0]
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() != -WRITE_CACHE_KIB


def test_a_failed_write_is_rolled_back_and_the_connection_still_writes(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError), sqlite_db.begin() as conn:
        conn.execute(text("INSERT INTO mogul_meta (key, value) VALUES ('probe', 'lost')"))
        raise RuntimeError("refused half-way")
    with sqlite_db.begin() as conn:
        assert conn.execute(text("SELECT value FROM mogul_meta WHERE key = 'probe'")).first() is None
        conn.execute(text("INSERT INTO mogul_meta (key, value) VALUES ('probe', 'kept')"))
    with sqlite_db.read() as conn:
        assert conn.execute(text("SELECT value FROM mogul_meta WHERE key = 'probe'")).scalar_one() == "kept"


def test_writers_on_many_threads_all_commit(sqlite_db: Database) -> None:
    def write(n: int) -> None:
        for i in range(20):
            with sqlite_db.begin() as conn:
                conn.execute(text("INSERT INTO mogul_meta (key, value) VALUES (:k, 'v')"), {"k": f"t{n}-{i}"})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sqlite_db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM mogul_meta WHERE key LIKE 't%'")).scalar_one() == 160


def test_a_refused_begin_leaves_the_kept_connection_usable(sqlite_db: Database) -> None:
    with sqlite_db.begin() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=50")  # wait 50 ms for the lock, not 30 s
    other = sqlite3.connect(sqlite_db.engine.url.database, isolation_level=None)  # another process's writer
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"), sqlite_db.begin():
            pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    with sqlite_db.begin() as conn:
        conn.execute(text("INSERT INTO mogul_meta (key, value) VALUES ('after', 'ok')"))
    with sqlite_db.read() as conn:
        assert conn.execute(text("SELECT value FROM mogul_meta WHERE key = 'after'")).scalar_one() == "ok"
