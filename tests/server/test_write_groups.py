"""The write thread's groups (writer.py, Database.group): calls queued while it was busy share one SQLite
transaction, each in a savepoint; a failing call undoes only its own part; callers hear back after the commit."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from mogul.server.errors import ApiError, invalid
from mogul.server.store import Database
from mogul.server.writer import WriteThread


def _run(coroutine: Any) -> Any:
    with ThreadPoolExecutor(1) as pool:  # a loop of its own (see test_writer.py)
        return pool.submit(asyncio.run, coroutine).result()


def _stored(db: Database) -> dict[str, str]:
    with db.read() as conn:
        return dict(conn.execute(text("SELECT key, value FROM mogul_meta WHERE key LIKE 'k%'")).all())


def _grouped(db: Database, jobs: list[Any]) -> list[Any]:
    """Run `jobs` on a write thread while it is held busy, so that they queue and run as one group; returns each
    call's result or exception."""
    writer = WriteThread(db=db)
    started, gate = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(5)

    async def main() -> list[Any]:
        held = asyncio.ensure_future(writer.run(hold))
        await asyncio.to_thread(started.wait, 5)
        calls = [asyncio.ensure_future(writer.run(job)) for job in jobs]
        await asyncio.sleep(0)  # all queued
        gate.set()
        await held
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        return _run(main())
    finally:
        writer.close()


def _put(db: Database, key: str) -> str:
    with db.begin() as conn:
        conn.execute(text("INSERT INTO mogul_meta (key, value) VALUES (:k, 'v')"), {"k": key})
    return key


def test_queued_writes_share_one_commit_and_a_failing_one_undoes_only_itself(sqlite_db: Database) -> None:
    commits: list[int] = []
    event.listen(sqlite_db._write_engine, "commit", lambda _conn: commits.append(1))

    def refused() -> None:
        with sqlite_db.begin() as conn:
            conn.execute(text("INSERT INTO mogul_meta (key, value) VALUES ('k_refused', 'v')"))
            raise invalid({"external_id": "has already been taken"})

    def reads_earlier_write() -> str:
        with sqlite_db.read() as conn:  # the group's uncommitted rows are visible on the write thread
            return conn.execute(text("SELECT value FROM mogul_meta WHERE key = 'k1'")).scalar_one()

    results = _grouped(
        sqlite_db, [lambda: _put(sqlite_db, "k1"), refused, reads_earlier_write, lambda: _put(sqlite_db, "k2")]
    )
    assert results[0] == "k1" and results[2] == "v" and results[3] == "k2"
    assert isinstance(results[1], ApiError) and results[1].status == 422
    assert _stored(sqlite_db) == {"k1": "v", "k2": "v"}
    assert len(commits) == 1


def test_a_group_rolled_back_underneath_fails_every_call_and_stores_nothing(sqlite_db: Database) -> None:
    def abort() -> None:
        with sqlite_db.begin() as conn:  # as SQLite does on a full disk or an I/O error
            conn.connection.driver_connection.execute("ROLLBACK")

    results = _grouped(sqlite_db, [lambda: _put(sqlite_db, "k1"), abort, lambda: _put(sqlite_db, "k2")])
    assert all(isinstance(r, OperationalError) for r in results), results
    assert _stored(sqlite_db) == {}
    assert _put(sqlite_db, "k3") == "k3"  # the write connection recovers
    assert _stored(sqlite_db) == {"k3": "v"}


def test_a_lone_write_is_not_grouped_and_queued_ones_are(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    groups: list[int] = []
    group = sqlite_db.group

    def counted() -> Any:
        groups.append(1)
        return group()

    monkeypatch.setattr(sqlite_db, "group", counted)
    writer = WriteThread(db=sqlite_db)
    try:
        assert _run(writer.run(_put, sqlite_db, "k1")) == "k1"
    finally:
        writer.close()
    assert groups == []
    assert _grouped(sqlite_db, [lambda: _put(sqlite_db, "k2"), lambda: _put(sqlite_db, "k3")]) == ["k2", "k3"]
    assert groups == [1]
    assert _stored(sqlite_db) == {"k1": "v", "k2": "v", "k3": "v"}


def test_groups_are_refused_off_sqlite(pg_schema_url: str) -> None:
    db = Database(pg_schema_url)
    try:
        with pytest.raises(RuntimeError, match="SQLite"), db.group():
            pass
    finally:
        db.dispose()
