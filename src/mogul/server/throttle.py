"""Per-key rate limits as ChartMogul's: requests per second (429) and requests in flight (503).

Both are counted per API key in this process: with `--workers N` a key may get N times the limits. The
middleware runs after authentication (it needs the key) and on the event loop only, so plain dicts need no
lock. Both refusals carry `Retry-After` (seconds), which the official clients and mogul's honour.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import PARALLEL_LIMIT_MESSAGE, RATE_LIMIT_MESSAGE, coded
from .responses import json

# Buckets idle this long are full again; forgetting them keeps memory bounded by the active keys.
_IDLE_SECONDS = 60.0


class RateLimiter:
    """Token bucket per key: `rate` tokens a second, bursts up to `rate`."""

    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # key id -> (tokens, last refill)

    def acquire(self, key: int) -> float:
        """0 when the request may go ahead, otherwise the seconds until it could."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > 10_000:
            self._forget_idle(now)
        return (1 - tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, (_, last) in self._buckets.items() if now - last > _IDLE_SECONDS]:
            del self._buckets[key]


class ParallelLimiter:
    """Counts requests in flight per key."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight: dict[int, int] = {}

    def enter(self, key: int) -> bool:
        count = self.in_flight.get(key, 0)
        if count >= self.limit:
            return False
        self.in_flight[key] = count + 1
        return True

    def leave(self, key: int) -> None:
        count = self.in_flight.get(key, 0) - 1
        if count > 0:
            self.in_flight[key] = count
        else:
            self.in_flight.pop(key, None)


class Throttle:
    """ASGI middleware: 429 past `rate` requests/s, 503 past `parallel` requests in flight, per key (0 = off)."""

    def __init__(self, app: ASGIApp, *, rate: int = 0, parallel: int = 0) -> None:
        self.app = app
        self.rate = RateLimiter(rate) if rate else None
        self.parallel = ParallelLimiter(parallel) if parallel else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("principal") if scope["type"] == "http" else None
        if principal is None:
            await self.app(scope, receive, send)
            return
        key = principal.key_id
        if self.rate is not None:
            wait = self.rate.acquire(key)
            if wait:
                await _refuse(429, RATE_LIMIT_MESSAGE, wait, scope, receive, send)
                return
        if self.parallel is None:
            await self.app(scope, receive, send)
            return
        if not self.parallel.enter(key):
            await _refuse(503, PARALLEL_LIMIT_MESSAGE, 1.0, scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.parallel.leave(key)


async def _refuse(status: int, message: str, wait: float, scope: Scope, receive: Receive, send: Send) -> None:
    error = coded(status, message)
    # Retry-After is whole seconds (RFC 9110); round up so a client that obeys it is not refused again.
    headers = {"Retry-After": str(max(1, math.ceil(wait)))}
    await json(error.body, error.status, headers)(scope, receive, send)
