"""Destination writes on a background thread, one at a time and in order.

The database does most of a commit's work (DuckDB's insert, the WAL fsync, PostgreSQL's COPY)
without holding the GIL, so reading and buffering the next messages overlaps with it. Each job
is still one transaction, committed in submission order: the checkpoint guarantees do not change.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from typing import Any

Job = tuple[Callable[..., Any], tuple[Any, ...]]

# The writer's thread needs the GIL for a moment after each database call, and DuckDB takes it
# between the tasks of a query to check for Ctrl-C (about 15 times per 20,000-row insert), while the
# reading thread converts records without a pause. CPython makes a waiting thread wait out the
# switch interval before the holder lets go. At the default 5 ms an insert took 72 ms instead of 15
# next to a busy thread; at 0.5 ms 23 ms, at 0.1 ms 19. While a writer runs, the interval is this.
SWITCH_INTERVAL = 0.0001


class _SwitchInterval:
    """Shortens `sys.setswitchinterval` while any writer runs, and restores the caller's value after
    the last one stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = 0.0

    def acquire(self) -> None:
        with self._lock:
            if self._users == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, SWITCH_INTERVAL))
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                sys.setswitchinterval(self._saved)


_switch_interval = _SwitchInterval()


class BackgroundWriter:
    def __init__(self, depth: int = 3) -> None:
        # A short queue: the reader may run at most `depth` batches ahead of the database. Three
        # 20,000-record parts keep it converting while DuckDB compresses a full row group.
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None  # the first failure; later jobs are skipped
        self._reported = False
        self._thread = threading.Thread(target=self._work, name="mogul-sync-writer", daemon=True)
        _switch_interval.acquire()
        self._thread.start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self._error is None:  # after a failure, later jobs must not commit
                    function, args = job
                    function(*args)
            except BaseException as error:
                self._error = error
            finally:
                self._jobs.task_done()

    def _raise(self) -> None:
        if self._error is not None and not self._reported:
            self._reported = True
            raise self._error

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """Queue a write; raises the error of an earlier write, if one failed."""
        self._raise()
        self._jobs.put((function, args))

    def drain(self) -> None:
        """Wait until every queued write is committed; raises if one failed."""
        self._jobs.join()
        self._raise()

    def close(self) -> None:
        """Stop the thread after the queued writes (those after a failure are skipped)."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
            _switch_interval.release()
