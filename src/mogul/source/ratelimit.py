"""A client-side rate limiter shared by every request of a read, so the source stays inside
ChartMogul's 40 requests/s instead of discovering the limit through 429s.

Requests are spaced 1/rate apart (a token bucket holding `burst` tokens; the default 2 lets a
waiter that woke late catch up instead of losing that time, so the rate is really reached). Waiting callers are
served by priority, then arrival: the single cursor chains (customers, invoices, plans) cannot be
parallelised, so each of their requests goes before the queued window partitions; otherwise a
chain would wait behind up to 19 other requests on every page. Among the windows, a lower number
(fewer pages left) waits for a higher one. `pause()` holds everyone back after a 429, as
`Retry-After` asks.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

HIGH, NORMAL = 0, 1
"""Priorities: lower goes first. A window's is between NORMAL and NORMAL + 1 (reader.py)."""


class RateLimiter:
    def __init__(self, rate: float, *, burst: int = 2, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1, burst)
        self._interval = 1.0 / rate
        self._clock = clock
        self._lock = threading.Lock()
        self._next_free = float("-inf")
        # Waiters by (priority, arrival), each with a condition of its own on the shared lock: only the head is
        # woken when the head changes. One condition for all woke every waiting thread twice a request (up to
        # 19 of them, each to find it was not its turn): about 0.3 CPU-s of a read held at the rate limit.
        self._waiters: list[tuple[float, int, threading.Condition]] = []
        self._seq = itertools.count()
        self.acquired = 0
        self._closed = False

    def acquire(self, priority: float = NORMAL) -> bool:
        """Block until this caller may send one request. False when the limiter was closed meanwhile."""
        with self._lock:
            me = (priority, next(self._seq), threading.Condition(self._lock))
            heapq.heappush(self._waiters, me)
            turn = me[2]
            while True:
                if self._closed:
                    self._waiters.remove(me)
                    heapq.heapify(self._waiters)
                    return False
                if self._waiters[0] is me:
                    now = self._clock()
                    # A chain may go one slot early: it never waits for the spacing behind the windows,
                    # and at most one request a second is added to the strict 1/rate spacing.
                    ready_at = self._next_free - (self._interval if priority == HIGH else 0.0)
                    if now >= ready_at:
                        heapq.heappop(self._waiters)
                        # Unused time earns up to `burst` tokens, never more.
                        floor = now - (self.burst - 1) * self._interval
                        self._next_free = max(self._next_free, floor) + self._interval
                        self.acquired += 1
                        if self._waiters:
                            self._waiters[0][2].notify()  # the next in line times its own turn
                        return True
                    # A more urgent caller arriving meanwhile takes the head; this one then finds it is not.
                    turn.wait(ready_at - now)
                else:
                    turn.wait()

    def close(self) -> None:
        """Release every waiter with False: the read is over."""
        with self._lock:
            self._closed = True
            for _, _, turn in self._waiters:
                turn.notify()

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` from now (a 429's Retry-After applies to the whole account)."""
        with self._lock:
            self._next_free = max(self._next_free, self._clock() + seconds)
