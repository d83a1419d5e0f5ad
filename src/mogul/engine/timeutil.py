"""Pure time helpers: UTC microsecond integers, calendar arithmetic, and the account's local calendar.

Kept here (not in mogul.server) so the engine has no dependency on the HTTP layer.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

MICROS = 1_000_000
DAY_US = 86_400 * MICROS
HOUR_US = 3_600 * MICROS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

Interval = Literal["day", "week", "month", "quarter", "year"]
INTERVALS: tuple[Interval, ...] = ("day", "week", "month", "quarter", "year")


def to_us(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def utc_date(us: int) -> date:
    return date.fromordinal(us // DAY_US + EPOCH_ORDINAL)


def date_us(day: date) -> int:
    """Midnight UTC of `day`."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY_US


def add_months(us: int, months: int) -> int:
    """Shift by calendar months in UTC, clamping the day (Jan 31 + 1 month = Feb 28/29)."""
    dt = from_us(us)
    total = dt.year * 12 + dt.month - 1 + months
    year, month = divmod(total, 12)
    day = min(dt.day, calendar.monthrange(year, month + 1)[1])
    return to_us(dt.replace(year=year, month=month + 1, day=day))


def shift_back(us: int, unit: str, count: int) -> int:
    """`us` minus one plan interval (`count` × `unit`), calendar-aware for months and years."""
    if unit == "day":
        return us - count * DAY_US
    months = count if unit == "month" else 12 * count
    return add_months(us, -months)


_CLOCKS: dict[int, str] = {}  # second of the day -> "THH:MM:SS" (at most 86,400 short strings)


class LocalCalendar:
    """Local days (date ordinals) and reporting periods in the account time zone.

    Periods are half-open ranges of local day ordinals [start, next_start).
    """

    __slots__ = ("_day_text", "_offsets", "_tz", "is_utc", "time_zone", "week_start")

    def __init__(self, time_zone: str = "UTC", week_start: str = "sunday") -> None:
        self.time_zone = time_zone
        self.week_start = week_start
        self.is_utc = time_zone in ("UTC", "Etc/UTC", "GMT")
        self._tz = UTC if self.is_utc else ZoneInfo(time_zone)
        self._offsets: dict[int, int | None] = {}
        self._day_text: dict[int, str] = {}

    def day(self, us: int) -> int:
        """Local date ordinal of a UTC microsecond timestamp."""
        if self.is_utc:
            return us // DAY_US + EPOCH_ORDINAL
        return (us + self._offset_us(us)) // DAY_US + EPOCH_ORDINAL

    def _offset_us(self, us: int) -> int:
        # Offsets are constant within an hour except at a transition: cache per UTC hour, verify the ends.
        hour = us // HOUR_US
        if hour not in self._offsets:
            a = self._exact_offset(hour * HOUR_US)
            b = self._exact_offset((hour + 1) * HOUR_US - 1)
            self._offsets[hour] = a if a == b else None
        cached = self._offsets[hour]
        return cached if cached is not None else self._exact_offset(us)

    def _exact_offset(self, us: int) -> int:
        offset = from_us(us).astimezone(self._tz).utcoffset()
        return 0 if offset is None else (offset.days * 86_400 + offset.seconds) * MICROS

    def iso(self, us: int) -> str:
        """`2016-01-01T12:00:00+00:00`: activity `date` and `customer-since`, in the account time zone."""
        offset = 0 if self.is_utc else self._offset_us(us)
        local = us + offset
        day, rest = divmod(local, DAY_US)
        text = self._day_text.get(day)
        if text is None:
            text = self._day_text[day] = date.fromordinal(day + EPOCH_ORDINAL).isoformat()
        second = rest // MICROS
        clock = _CLOCKS.get(second)
        if clock is None:
            minutes, seconds = divmod(second, 60)
            clock = _CLOCKS[second] = f"T{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}"
        if offset == 0:
            return text + clock + "+00:00"
        sign = "+" if offset > 0 else "-"
        off_minutes = abs(offset) // (60 * MICROS)
        return f"{text}{clock}{sign}{off_minutes // 60:02d}:{off_minutes % 60:02d}"

    def period_start(self, day: int, interval: str) -> int:
        if interval == "day":
            return day
        if interval == "week":
            weekday = (day - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
            back = weekday if self.week_start == "monday" else (weekday + 1) % 7
            return day - back
        d = date.fromordinal(day)
        if interval == "month":
            return date(d.year, d.month, 1).toordinal()
        if interval == "quarter":
            return date(d.year, (d.month - 1) // 3 * 3 + 1, 1).toordinal()
        if interval == "year":
            return date(d.year, 1, 1).toordinal()
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")

    def next_start(self, start: int, interval: str) -> int:
        """First day of the period after the one starting at `start`."""
        if interval == "day":
            return start + 1
        if interval == "week":
            return start + 7
        d = date.fromordinal(start)
        months = {"month": 1, "quarter": 3, "year": 12}.get(interval)
        if months is None:
            raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
        total = d.year * 12 + d.month - 1 + months
        return date(total // 12, total % 12 + 1, 1).toordinal()

    def prev_start(self, start: int, interval: str) -> int:
        return self.period_start(start - 1, interval)
