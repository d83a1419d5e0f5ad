"""The threads a process's list reads run on, off the event loop.

On SQLite each of these threads keeps one read connection (`Database.keep_reads`): a list page then skips the
connection pool's checkout, reset and checkin, and the hand-off through `loop.run_in_executor` costs less than
anyio's thread pool. Other databases answer over the network and keep their pool: there reads stay in Starlette's
thread pool.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from .store import Database

T = TypeVar("T")
READ_THREADS = 8  # SQLite reads hold the GIL for most of their time: more threads would only queue on it


class ReadThreads:
    """`await readers.run(fn, *args)`: `fn(*args)` on one of the process's read threads."""

    def __init__(self, db: Database, workers: int = READ_THREADS) -> None:
        self._db = db
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="mogul-read", initializer=db.keep_reads)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(fn, *args))

    def close(self) -> None:
        """Stop the threads once the reads queued so far are done, and close their connections."""
        self._pool.shutdown(wait=True)
        self._db.release_ended_reads()


def for_database(db: Database) -> ReadThreads | None:
    """The read threads an app on `db` uses: SQLite only."""
    return ReadThreads(db) if db.dialect == "sqlite" else None


async def run_read(readers: ReadThreads | None, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, a store call that reads: on `readers` when there are some, in the thread pool otherwise."""
    if readers is not None:
        return await readers.run(fn, *args)
    return await run_in_threadpool(fn, *args)
