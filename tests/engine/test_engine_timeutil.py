"""Time helpers against the standard library."""

from __future__ import annotations

import random
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from engine_builders import ts

from mogul.engine.timeutil import LocalCalendar, add_months, from_us, shift_back


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "America/St_Johns"])
def test_iso_and_local_day_match_zoneinfo(zone):
    cal = LocalCalendar(zone)
    tz = ZoneInfo(zone)
    rng = random.Random(zone)
    # random instants plus the hours around a DST switch
    instants = [rng.randrange(0, 2_000_000_000) * 1_000_000 for _ in range(2000)]
    instants += [ts("2024-03-10T05:00") + k * 900_000_000 for k in range(16)]
    for us in instants:
        local = from_us(us).astimezone(tz)
        assert cal.iso(us) == local.replace(microsecond=0).isoformat()
        assert cal.day(us) == local.date().toordinal()


def test_add_months_clamps_and_shift_back():
    assert from_us(add_months(ts("2024-01-31"), 1)).date() == date(2024, 2, 29)
    assert from_us(add_months(ts("2024-03-31"), -1)).date() == date(2024, 2, 29)
    assert from_us(add_months(ts("2024-11-15T10:00"), 3)).isoformat() == "2025-02-15T10:00:00+00:00"
    assert shift_back(ts("2024-04-01"), "year", 1) == ts("2023-04-01")
    assert shift_back(ts("2024-04-01"), "day", 7) == ts("2024-03-25")


def test_periods():
    cal = LocalCalendar("UTC", "monday")
    wednesday = date(2024, 5, 15).toordinal()
    assert date.fromordinal(cal.period_start(wednesday, "week")) == date(2024, 5, 13)
    assert date.fromordinal(cal.period_start(wednesday, "quarter")) == date(2024, 4, 1)
    assert date.fromordinal(cal.next_start(date(2024, 10, 1).toordinal(), "quarter")) == date(2025, 1, 1)
    assert date.fromordinal(cal.prev_start(date(2024, 1, 1).toordinal(), "month")) == date(2023, 12, 1)
    with pytest.raises(ValueError, match="interval must be"):
        cal.period_start(wednesday, "fortnight")
