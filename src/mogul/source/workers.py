"""The reader's worker threads: each runs the most urgent task waiting, one at a time.

A `ThreadPoolExecutor` did this before, with the reader's own heap in front of its FIFO queue. Importing
`concurrent.futures` (and the `logging` it pulls in) cost a fresh `source-chartmogul` about 20 ms of CPU, and
each task a `Future` nobody read; here a task is a priority and a callable.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections.abc import Callable


class Workers:
    """Up to `size` threads, started as tasks arrive. Lower priorities go first, then earlier submissions."""

    def __init__(self, size: int, name: str) -> None:
        self.size = max(1, size)
        self.name = name
        self._cond = threading.Condition()
        self._tasks: list[tuple[float, int, Callable[[], object]]] = []
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._waiting = 0
        """Threads waiting for a task and not yet woken for one."""
        self._stopping = False

    def submit(self, priority: float, task: Callable[[], object]) -> None:
        with self._cond:
            if self._stopping:
                return
            heapq.heappush(self._tasks, (priority, next(self._seq), task))
            if self._waiting:
                self._waiting -= 1
                self._cond.notify()
            elif len(self._threads) < self.size:
                thread = threading.Thread(target=self._run, name=f"{self.name}_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def shutdown(self) -> None:
        """Drop the tasks not started and wait for the running ones (the caller has told them to stop)."""
        with self._cond:
            self._stopping = True
            self._tasks.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._tasks and not self._stopping:
                    self._waiting += 1
                    self._cond.wait()
                if self._stopping:
                    return
                _, _, task = heapq.heappop(self._tasks)
            # Tasks report their own failures (the reader's put an error event); as with the executor's unread
            # futures, a stray exception must not take a thread, and so the pool's capacity, with it.
            with contextlib.suppress(Exception):
                task()
