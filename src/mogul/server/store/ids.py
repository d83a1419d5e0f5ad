"""Identifiers in ChartMogul's formats.

The UUIDs are time-ordered (RFC 9562 version 7: a 48-bit Unix millisecond timestamp, then random bits) rather
than random (version 4). Every imported row has a unique index on its uuid; random keys land all over that
B-tree, so once the indexes outgrow the page cache each insert dirtied (and SQLite wrote to the WAL) a different
leaf page. Time-ordered keys append at the right edge of the index instead. The string keeps the usual
8-4-4-4-12 form, so API shapes do not change (ChartMogul itself hands out time-based v1 UUIDs).
"""

from __future__ import annotations

import os
import random
import threading
import time

_RAND_BITS = 74  # 12 bits of `rand_a` + 62 of `rand_b`
_RAND_B_MASK = (1 << 62) - 1
_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62

_lock = threading.Lock()
_last = 0  # the last (timestamp << 74 | random) issued by this process
# Seeded from the OS: 74 random bits per millisecond make a collision between processes negligible. A generator
# rather than os.urandom per id (about 10 times the cost); a forked worker reseeds so it never repeats its parent.
_random = random.Random(os.urandom(32))


def _reseed() -> None:
    global _last
    _random.seed(os.urandom(32))
    _last = 0


os.register_at_fork(after_in_child=_reseed)


def _next_payload(now_ms: int) -> int:
    """Timestamp and random bits, strictly increasing within this process even when the clock stands still or
    steps back: then the previous value plus a random step (still 31 bits of unpredictability)."""
    global _last
    with _lock:
        candidate = (now_ms << _RAND_BITS) | _random.getrandbits(_RAND_BITS)
        if candidate <= _last:
            candidate = _last + 1 + _random.getrandbits(31)
        _last = candidate
    return candidate


def uuid7() -> str:
    """A version 7 UUID as a lower-case 8-4-4-4-12 string; ids of one process sort in the order issued."""
    payload = _next_payload(time.time_ns() // 1_000_000)
    high = payload >> 62  # 48-bit timestamp + 12-bit rand_a
    value = (high >> 12) << 80 | _VERSION_7 | (high & 0xFFF) << 64 | _VARIANT_RFC | payload & _RAND_B_MASK
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_uuid(prefix: str = "") -> str:
    """`ds_`, `cus_`, `pl_`, `inv_`, `li_`, `tr_`, `sub_` + a UUID; no prefix for activities."""
    return f"{prefix}{uuid7()}"
