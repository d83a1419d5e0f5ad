"""When and how long to retry: exponential backoff with full jitter, raised to `Retry-After` when sent.

Retried: 429, 5xx (including 503 "too many connections"), timeouts and connection errors.
Never retried: any other 4xx, which no repetition can fix.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 524})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    """Total tries, the first included. 1 disables retrying."""
    max_elapsed: float = 300.0
    """Give up once this many seconds have passed since the first try (sleeps included)."""
    initial_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    """A `Retry-After` longer than this is not honoured: the call fails at once instead of hanging."""
    jitter: Callable[[float, float], float] = field(default=random.uniform, repr=False, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    """How the client waits between tries; a caller that must stop early passes one that can be interrupted
    (it may raise to abandon the call)."""

    def backoff(self, attempt: int) -> float:
        """Delay after failed try number `attempt` (1-based): jittered into [d/2, d], d = initial·2^(n-1)."""
        ceiling = min(self.initial_delay * (2 ** (attempt - 1)), self.max_delay)
        return self.jitter(ceiling / 2, ceiling)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        wait = self.backoff(attempt)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date. None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # rare (servers send seconds), and slow to import at every start

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds)
