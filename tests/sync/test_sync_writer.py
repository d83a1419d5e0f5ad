"""The background writer: jobs in order, the first error surfaces, and the GIL switch interval."""

from __future__ import annotations

import sys
import threading

import pytest

from mogul.sync.writer import SWITCH_INTERVAL, BackgroundWriter


def test_jobs_run_in_order_on_another_thread():
    done: list[tuple[int, str]] = []
    writer = BackgroundWriter(depth=2)
    for i in range(20):
        writer.submit(lambda i: done.append((i, threading.current_thread().name)), i)
    writer.drain()
    writer.close()
    assert [i for i, _ in done] == list(range(20))
    assert {name for _, name in done} == {"mogul-sync-writer"}


def test_the_first_failure_surfaces_and_later_jobs_are_skipped():
    done: list[int] = []
    writer = BackgroundWriter()
    writer.submit(done.append, 1)
    writer.submit(lambda: 1 / 0)
    writer.submit(done.append, 3)
    with pytest.raises(ZeroDivisionError):
        writer.drain()
    writer.close()
    assert done == [1]


def test_the_switch_interval_is_short_while_writers_run_and_restored_after():
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL  # CPython's default, 5 ms
    first = BackgroundWriter()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL, rel=0.05)
    second = BackgroundWriter()
    first.close()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL, rel=0.05)  # the second writer still runs
    first.close()  # a second close changes nothing
    second.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        second.drain()
    second.close()
    assert sys.getswitchinterval() == before


def test_a_shorter_interval_set_by_the_caller_is_kept():
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL / 5)  # CPython keeps whole microseconds
    try:
        writer = BackgroundWriter()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL / 5, rel=0.05)
        writer.close()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL / 5, rel=0.05)
    finally:
        sys.setswitchinterval(before)
