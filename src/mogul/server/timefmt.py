"""Time handling shared by the server: microsecond UTC integers at rest, ChartMogul's formats on the wire."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

from ..engine.timeutil import MICROS, from_us, to_us

__all__ = ["MICROS", "from_us", "iso_millis", "iso_offset", "iso_seconds", "now_us", "parse_timestamp", "to_us"]

# ChartMogul accepts "2016-01-01 12:00:00 UTC", "2022-11-10 00:00:00", "2000-01-01 00:00:00 +0200" and ISO-8601.
# ASCII digits only (`\d` would take any script's digits); `\s` is what str.strip() removes.
_SPACE_FORM = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)"
    r"\s*(UTC|Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
_DAY_FORM = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Written years before 1000 are refused (no billing data is that old, and an offset could move them past year
# 1); so is an instant past 9999-12-31 in UTC, which datetime cannot represent.
MIN_YEAR = 1000
_NAIVE_EPOCH = datetime(1970, 1, 1)  # UTC, for formatting only
_MAX_US = to_us(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))


def now_us() -> int:
    return time.time_ns() // 1000


# Imports repeat the same dates over and over (invoice dates, service periods): formatting and parsing are
# pure functions of their input, so a bounded cache saves most of their cost.
@lru_cache(maxsize=65_536)
def iso_millis(us: int | None) -> str | None:
    """`2023-01-10T15:34:05.437Z`: the format of object timestamps (data sources, invoices...)."""
    if us is None:
        return None
    # isoformat truncates to milliseconds as `microsecond // 1000` did, in half strftime's time (a list page
    # formats two of these per customer, and a freshly started server finds none in the cache). A naive datetime
    # (no offset to format and cut off) saves a further 0.4 µs.
    return (_NAIVE_EPOCH + timedelta(microseconds=us)).isoformat(timespec="milliseconds") + "Z"


@lru_cache(maxsize=65_536)
def iso_offset(us: int | None) -> str | None:
    """`2016-01-01T12:00:00+00:00`: the format of `customer-since` and activity dates."""
    if us is None:
        return None
    return (_NAIVE_EPOCH + timedelta(microseconds=us)).isoformat(timespec="seconds") + "+00:00"


@lru_cache(maxsize=65_536)
def iso_seconds(us: int | None) -> str | None:
    """`2022-02-16T00:00:00Z`: the format of subscription events' dates."""
    if us is None:
        return None
    return (_NAIVE_EPOCH + timedelta(microseconds=us)).isoformat(timespec="seconds") + "Z"


@lru_cache(maxsize=65_536)
def parse_timestamp(value: str) -> int:
    """Parse a request timestamp in any form ChartMogul accepts; raises ValueError otherwise."""
    text = value.strip()
    if text[:4].isdigit() and int(text[:4]) < MIN_YEAR:
        raise ValueError(f"year before {MIN_YEAR}: {value!r}")
    if _DAY_FORM.match(text):
        return to_us(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC))
    m = _SPACE_FORM.match(text)
    if not m:
        raise ValueError(f"not a timestamp: {value!r}")
    day, clock, zone = m.groups()
    frac = ""
    if "." in clock:
        clock, frac = clock.split(".")
    if clock.count(":") == 1:
        clock += ":00"
    dt = datetime.fromisoformat(f"{day}T{clock}")
    if frac:
        dt = dt.replace(microsecond=int(frac[:6].ljust(6, "0")))
    if zone and zone not in ("UTC", "Z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        dt = dt.replace(tzinfo=timezone(sign * offset))
    else:
        dt = dt.replace(tzinfo=UTC)
    us = to_us(dt)
    if us > _MAX_US:
        raise ValueError(f"after 9999-12-31 in UTC: {value!r}")
    return us
