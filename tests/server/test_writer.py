"""The write thread (writer.py): on SQLite every write route's store call runs on one thread, in order; its
results and errors reach the request as from the thread pool; on PostgreSQL writes stay in the pool."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer
from mogul.server.errors import ApiError, invalid
from mogul.server.store import Database
from mogul.server.writer import WriteThread, for_database, run_write


def _run(coroutine: Any) -> Any:
    """`asyncio.run` on a thread of its own: a test that ran earlier in this worker (Playwright's sync API) may
    have left an event loop marked running on the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_jobs_run_in_order_on_one_thread_and_errors_reach_the_caller() -> None:
    writer = WriteThread()
    seen: list[tuple[int, int]] = []

    def job(n: int) -> int:
        seen.append((n, threading.get_ident()))
        return n * 2

    def refuse() -> None:
        raise invalid({"external_id": "has already been taken"})

    async def main() -> list[int]:
        results = await asyncio.gather(*(writer.run(job, n) for n in range(50)))
        with pytest.raises(ApiError) as raised:
            await writer.run(refuse)
        assert raised.value.status == 422 and raised.value.body["errors"] == {"external_id": "has already been taken"}
        # The thread survives a failed job.
        results.append(await writer.run(job, 50))
        return results

    try:
        assert _run(main()) == [n * 2 for n in range(51)]
    finally:
        writer.close()
    assert [n for n, _ in seen] == list(range(51))
    assert len({ident for _, ident in seen}) == 1 and seen[0][1] != threading.get_ident()


def test_close_waits_for_queued_jobs_and_a_later_job_starts_the_thread_again() -> None:
    writer = WriteThread()
    done: list[int] = []

    async def queue_then_close() -> None:
        pending = [asyncio.ensure_future(writer.run(done.append, n)) for n in range(5)]
        await asyncio.sleep(0)  # the jobs are queued
        await asyncio.to_thread(writer.close)
        await asyncio.gather(*pending)

    _run(queue_then_close())
    assert done == [0, 1, 2, 3, 4]
    assert _run(writer.run(lambda: "again")) == "again"
    writer.close()


def test_a_cancelled_request_does_not_break_the_thread() -> None:
    writer = WriteThread()
    gate = threading.Event()

    async def main() -> str:
        slow = asyncio.ensure_future(writer.run(gate.wait, 5))
        await asyncio.sleep(0.05)
        slow.cancel()
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await slow
        return await writer.run(lambda: "next")

    try:
        assert _run(main()) == "next"
    finally:
        writer.close()


def test_only_sqlite_gets_a_write_thread(tmp_path: Any, pg_schema_url: str) -> None:
    sqlite_db, pg_db = Database(f"sqlite:///{tmp_path / 'w.db'}"), Database(pg_schema_url)
    try:
        assert isinstance(for_database(sqlite_db), WriteThread)
        assert for_database(pg_db) is None

        # Without a write thread the call goes to the thread pool.
        async def off_the_loop() -> bool:
            return await run_write(None, threading.current_thread) is not threading.current_thread()

        assert _run(off_the_loop())
    finally:
        sqlite_db.dispose()
        pg_db.dispose()


def test_parallel_writes_over_http_all_run_on_the_write_thread(
    server: EmbeddedServer, api: httpx.Client, source: dict[str, Any], db: Database
) -> None:
    stores = server.app.state.stores
    create = stores.customers.create
    threads: set[str] = set()

    def recording_create(body: dict[str, Any]) -> dict[str, Any]:
        threads.add(threading.current_thread().name)
        return create(body)

    stores.customers.create = recording_create
    try:

        def post(n: int) -> httpx.Response:
            body = {"data_source_uuid": source["uuid"], "external_id": f"par_{n % 30}", "name": f"Customer {n}"}
            return api.post("/customers", json=body)

        with ThreadPoolExecutor(12) as pool:
            statuses = sorted(r.status_code for r in pool.map(post, range(40)))
    finally:
        stores.customers.create = create
    # 30 distinct external ids: 30 created, the 10 repeats refused as duplicates, none lost to a locked database.
    assert statuses == [201] * 30 + [422] * 10
    assert len(api.get("/customers", params={"per_page": 200}).json()["entries"]) == 30
    if db.dialect == "sqlite":
        assert threads == {"mogul-writer"}
    else:
        assert threads and "mogul-writer" not in threads
