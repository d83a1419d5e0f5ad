"""The background writer: jobs in order on its own thread, at most `depth` ahead, and the first error surfaces."""

from __future__ import annotations

import threading

import pytest

from mogul.sync.writer import BackgroundWriter


def test_jobs_run_in_order_on_another_thread():
    done: list[tuple[int, str]] = []
    writer = BackgroundWriter(depth=2)
    for i in range(20):
        writer.submit(lambda i: done.append((i, threading.current_thread().name)), i)
    writer.drain()
    writer.close()
    assert [i for i, _ in done] == list(range(20))
    assert {name for _, name in done} == {"mogul-sync-writer_0"}


def test_the_reader_runs_at_most_depth_writes_ahead():
    release = threading.Event()
    started: list[int] = []
    writer = BackgroundWriter(depth=2)
    writer.submit(lambda: (started.append(1), release.wait(5)))
    writer.submit(started.append, 2)
    blocked = threading.Thread(target=writer.submit, args=(started.append, 3))
    blocked.start()
    blocked.join(0.2)
    assert blocked.is_alive() and started == [1]  # the third submit waits for the first write
    release.set()
    blocked.join(5)
    writer.drain()
    writer.close()
    assert started == [1, 2, 3]


def test_the_first_failure_surfaces_and_later_jobs_are_skipped():
    done: list[int] = []
    writer = BackgroundWriter()
    writer.submit(done.append, 1)
    writer.submit(lambda: 1 / 0)
    writer.submit(done.append, 3)
    with pytest.raises(ZeroDivisionError):
        writer.drain()
    writer.drain()  # raised once
    writer.close()
    assert done == [1]
