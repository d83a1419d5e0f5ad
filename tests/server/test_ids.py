"""Time-ordered UUIDs (store/ids.py): the usual string form, version 7, increasing, unique across threads and
forked processes."""

from __future__ import annotations

import multiprocessing
import re
import threading
import time
import uuid

from mogul.server.store import ids

FORM = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_form_version_and_variant() -> None:
    value = ids.uuid7()
    assert FORM.match(value), value
    parsed = uuid.UUID(value)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == value


def test_prefixes_keep_the_uuid_form() -> None:
    for prefix in ("ds_", "cus_", "pl_", "inv_", "li_", "tr_", "sub_"):
        value = ids.new_uuid(prefix)
        assert value.startswith(prefix)
        assert FORM.match(value[len(prefix) :]), value


def test_timestamp_is_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = ids.uuid7()
    after = time.time_ns() // 1_000_000
    stamp = int(value.replace("-", "")[:12], 16)
    # Equal to the clock, or just past the last id issued when many came within one millisecond.
    assert before <= stamp <= after + 1


def test_ids_of_one_process_sort_in_the_order_issued() -> None:
    values = [ids.uuid7() for _ in range(50_000)]  # many per millisecond
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_a_clock_step_back_keeps_the_order(monkeypatch) -> None:
    first = ids.uuid7()
    real = time.time_ns
    monkeypatch.setattr(ids.time, "time_ns", lambda: real() - 3_600 * 10**9)
    later = [ids.uuid7() for _ in range(100)]
    assert [first, *later] == sorted([first, *later])
    assert len(set(later)) == 100


def test_unique_and_ordered_per_thread_under_concurrency() -> None:
    per_thread: list[list[str]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def work(out: list[str]) -> None:
        start.wait()
        out.extend(ids.uuid7() for _ in range(20_000))

    threads = [threading.Thread(target=work, args=(out,)) for out in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [v for out in per_thread for v in out]
    assert len(set(everything)) == len(everything) == 160_000
    for out in per_thread:
        assert out == sorted(out)


def _child(queue: multiprocessing.Queue) -> None:
    queue.put([ids.uuid7() for _ in range(1_000)])


def test_a_forked_process_does_not_repeat_its_parent() -> None:
    ids.uuid7()  # the parent's generator has state to copy
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(queue,)) for _ in range(2)]
    for p in procs:
        p.start()
    children = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    mine = [ids.uuid7() for _ in range(1_000)]
    everything = [*mine, *children[0], *children[1]]
    assert len(set(everything)) == 3_000
