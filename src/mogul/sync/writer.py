"""Destination writes on a background thread, one at a time and in order.

The database does most of a commit's work (DuckDB's insert, the WAL fsync, PostgreSQL's COPY)
without holding the GIL, so reading and buffering the next messages overlaps with it. Each job
is still one transaction, committed in submission order: the checkpoint guarantees do not change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class BackgroundWriter:
    """A one-thread executor that runs at most `depth` writes ahead of the reader. After a failure, the writes
    queued behind it are skipped (they must not commit) and the failure is raised once to the reader."""

    def __init__(self, depth: int = 3) -> None:
        # A short queue: the reader may run at most `depth` batches ahead of the database. Three
        # 20,000-record parts keep it converting while DuckDB compresses a full row group.
        self._depth = depth
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mogul-sync-writer")
        self._queued: deque[Future[None]] = deque()
        self._error: BaseException | None = None
        self._reported = False

    def _run(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self._error is not None:  # after a failure, later jobs must not commit
            return
        try:
            function(*args)
        except BaseException as error:
            self._error = error

    def _raise(self) -> None:
        if self._error is not None and not self._reported:
            self._reported = True
            raise self._error

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """Queue a write; raises the error of an earlier write, if one failed."""
        while len(self._queued) >= self._depth:
            self._queued.popleft().result()
        self._raise()
        self._queued.append(self._executor.submit(self._run, function, args))

    def drain(self) -> None:
        """Wait until every queued write is committed; raises if one failed."""
        while self._queued:
            self._queued.popleft().result()
        self._raise()

    def close(self) -> None:
        """Stop the thread after the queued writes (those after a failure are skipped)."""
        self._executor.shutdown(wait=True)
        self._queued.clear()
