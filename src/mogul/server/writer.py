"""One thread for a process's SQLite write transactions.

SQLite runs one writer at a time, so the write routes gain nothing from anyio's pool of 40 threads: under a bulk
import a dozen of them queued on the writer lock, and every hand-over (wake a waiter, it waits for the GIL, the
releasing thread is preempted still holding it) cost more CPU than the statements themselves. Here the write
routes' store calls run one after another on a single thread that stays busy while requests keep coming; nothing
waits on the writer lock but this thread and the background processor. Other databases take concurrent writers,
so there writes keep the thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from .store import Database

T = TypeVar("T")
MAX_GROUP = 32  # write calls per transaction at most
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class WriteThread:
    """Runs `await writer.run(fn, *args)` calls in order on one daemon thread, started on first use.

    With a database, the calls that queued while the thread was busy run as one write transaction
    (`Database.group`, up to `MAX_GROUP` calls): each still succeeds or fails on its own, and each caller is
    answered once the group has committed. 3,000 demo customers' writes took 15-25% less CPU in groups of 4-12.
    """

    def __init__(self, name: str = "mogul-writer", db: Database | None = None) -> None:
        self._name = name
        self._db = db
        self._jobs: SimpleQueue[_Job | None] = SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._thread is None:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, fn, args))
        return await future

    def close(self) -> None:
        """Stop the thread once the jobs queued so far are done."""
        with self._start_lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join(timeout=30)
                self._thread = None

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        stop = False
        while not stop and (job := self._jobs.get()) is not None:
            jobs = [job]
            while len(jobs) < MAX_GROUP:
                try:
                    queued = self._jobs.get_nowait()
                except Empty:
                    break
                if queued is None:  # close(): finish what came before it
                    stop = True
                    break
                jobs.append(queued)
            if len(jobs) == 1 or self._db is None:
                for one in jobs:
                    _settle(one[0], one[1], *_call(one[2], one[3]))
            else:
                self._run_group(self._db, jobs)

    @staticmethod
    def _run_group(db: Database, jobs: list[_Job]) -> None:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            with db.group():
                outcomes = [_call(fn, args) for _, _, fn, args in jobs]
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the group is stored
            done = outcomes + [(None, None)] * (len(jobs) - len(outcomes))
            outcomes = [(None, own or exc) for _, own in done]
        for (loop, future, _, _), (result, exc) in zip(jobs, outcomes, strict=True):
            _settle(loop, future, result, exc)


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, BaseException | None]:
    try:
        return fn(*args), None
    except BaseException as exc:  # handed to the awaiting request, as the thread pool does
        return None, exc


def _settle(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], result: Any, exc: BaseException | None
) -> None:
    def settle() -> None:
        if future.done():  # the request was cancelled meanwhile (client gone): its write still happened
            return
        if exc is None:
            future.set_result(result)
        else:
            future.set_exception(exc)

    with contextlib.suppress(RuntimeError):  # the loop closed while the write ran: nobody waits for it
        loop.call_soon_threadsafe(settle)


def for_database(db: Database) -> WriteThread | None:
    """The write thread an app on `db` uses: SQLite only."""
    return WriteThread(db=db) if db.dialect == "sqlite" else None


async def run_write(writer: WriteThread | None, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, a store call that writes: on `writer` when there is one, in the thread pool otherwise."""
    if writer is not None:
        return await writer.run(fn, *args)
    return await run_in_threadpool(fn, *args)
