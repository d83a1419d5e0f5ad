"""Pure parts: state and catalog parsing, the cursor and the date filter, the rate limiter's and the workers'
ordering, window planning, the customers read's decisions."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime

import orjson
import pytest

from mogul.source.catalog import CatalogError, parse_catalog, parse_state
from mogul.source.config import parse_config
from mogul.source.cursor import Boundary, keep_in_window, parse_cursor_date, to_cursor
from mogul.source.customers import STATUSES, CustomerRead
from mogul.source.fetch import Workers
from mogul.source.plan import Partition, plan, window_priority
from mogul.source.protocol import RecordBatch
from mogul.source.ratelimit import HIGH, NORMAL, RateLimiter
from mogul.source.reader import limiter_burst
from mogul.source.records import keys_reader, uuid_of, with_key
from mogul.source.streams import BY_NAME

ACT = {"date": "2024-01-05T00:00:00Z", "boundary_uuids": ["a"]}


@pytest.mark.parametrize(
    "raw",
    [
        [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "activities"}, "stream_state": ACT}}],
        [
            {
                "type": "STATE",
                "state": {
                    "type": "STREAM",
                    "stream": {"stream_descriptor": {"name": "activities"}, "stream_state": ACT},
                },
            }
        ],
        {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": "activities", "namespace": None}, "stream_state": ACT},
            "global_": None,
            "data": None,
        },
        [
            {
                "type": "GLOBAL",
                "global": {
                    "shared_state": None,
                    "stream_states": [{"stream_descriptor": {"name": "activities"}, "stream_state": ACT}],
                },
            }
        ],
        {"activities": ACT},
        [{"type": "LEGACY", "data": {"activities": ACT}}],
    ],
)
def test_state_shapes(raw: object) -> None:
    assert parse_state(raw) == {"activities": ACT}


@pytest.mark.parametrize("raw", [None, [], {}, [None, 3, {"type": "STREAM", "stream": None}]])
def test_empty_states(raw: object) -> None:
    assert parse_state(raw) == {}


def test_null_stream_state_is_an_empty_state() -> None:
    raw = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "plans"}, "stream_state": None}}]
    assert parse_state(raw) == {"plans": {}}


def test_state_must_be_json_list_or_object() -> None:
    with pytest.raises(CatalogError):
        parse_state("activities")


def test_catalog_tolerance_and_errors() -> None:
    selected, notes = parse_catalog(
        {
            "streams": [
                {"stream": {"name": "plans"}, "sync_mode": "incremental"},
                {"stream": {"name": "activities"}, "sync_mode": "incremental"},
                {"stream": {"name": "not_ours"}, "sync_mode": "full_refresh"},
                {"stream": {"name": "plans"}},
            ]
        }
    )
    assert [(s.stream.name, s.incremental) for s in selected] == [("activities", True), ("plans", False)]
    assert len(notes) == 2
    for bad in [
        None,
        {"streams": "x"},
        {"streams": [{"stream": {"name": "plans"}, "sync_mode": "sometimes"}]},
        {"streams": [{"stream": {}}]},
    ]:
        with pytest.raises(CatalogError):
            parse_catalog(bad)


def test_cursor_dates_and_boundary() -> None:
    assert parse_cursor_date("2016-01-01T12:00:00-04:00") == datetime(2016, 1, 1, 16, tzinfo=UTC)
    assert parse_cursor_date("2016-01-31") == datetime(2016, 1, 31, tzinfo=UTC)
    assert parse_cursor_date("nonsense") is None and parse_cursor_date(None) is None
    a = Boundary(datetime(2024, 1, 1, tzinfo=UTC), frozenset({"x"}))
    b = Boundary(datetime(2024, 1, 1, tzinfo=UTC), frozenset({"y"}))
    c = Boundary(datetime(2023, 1, 1, tzinfo=UTC), frozenset({"z"}))
    assert Boundary.merge(Boundary.merge(a, c), b) == Boundary(a.when, frozenset({"x", "y"}))
    assert to_cursor(a, True, dates_only=False) == {"date": "2024-01-01T00:00:00Z", "boundary_uuids": ["x"]}
    assert to_cursor(a, False, dates_only=True) == {"date": "2024-01-01"}
    assert Boundary.from_state({"date": "garbage"}) is None


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_windows_cover_the_range_without_gaps() -> None:
    config = parse_config(
        {"api_key": "k", "start_date": "2024-01-01T00:00:00Z", "window_days": 10, "end_date": "2024-03-05T00:00:00Z"}
    )
    parts = plan(BY_NAME["activities"], config, None, NOW)
    assert parts[0].lo == config.start_date
    for left, right in itertools.pairwise(parts):
        assert left.hi == right.lo
    assert parts[-1].hi is not None and parts[-1].hi > config.end_date
    assert [p.index for p in parts] == list(range(7))
    open_ended = parse_config({"api_key": "k", "start_date": "2024-01-01T00:00:00Z"})
    last = plan(BY_NAME["activities"], open_ended, None, NOW)[-1]
    assert last.hi is None and "end-date" not in last.params


def test_incremental_plan_starts_at_state_minus_lookback_and_skips_the_future() -> None:
    config = parse_config({"api_key": "k", "start_date": "2020-01-01T00:00:00Z", "lookback_window_days": 3})
    state = Boundary(datetime(2024, 5, 10, tzinfo=UTC))
    [metrics] = plan(BY_NAME["metrics"], config, state, NOW)
    assert metrics.params["start-date"] == "2024-05-07" and metrics.params["interval"] == "month"
    assert metrics.kind == "request"
    assert plan(BY_NAME["activities"], config, state, NOW)[0].lo == datetime(2024, 5, 7, tzinfo=UTC)
    future = Boundary(datetime(2099, 1, 1, tzinfo=UTC))
    assert plan(BY_NAME["activities"], config, future, NOW) == []
    assert plan(BY_NAME["customer_count"], config, future, NOW) == []
    [plans] = plan(BY_NAME["plans"], config, None, NOW)
    assert (plans.kind, plans.priority) == ("pages", HIGH)  # a chain: one page per round trip


def test_rate_limiter_serves_high_priority_first() -> None:
    limiter = RateLimiter(5.0, burst=1)  # one request every 200 ms
    assert limiter.acquire()  # spends the token: everyone else now queues
    order: list[str] = []
    threads = [threading.Thread(target=lambda n=n: (limiter.acquire(NORMAL), order.append(n))) for n in "abc"]
    for thread in threads:
        thread.start()
    while len(limiter._waiters) < 3:
        time.sleep(0.001)
    urgent = threading.Thread(target=lambda: (limiter.acquire(HIGH), order.append("H")))
    urgent.start()
    for thread in [*threads, urgent]:
        thread.join(timeout=5)
    assert order[0] == "H" or order[:2] == ["a", "H"]  # `a` may already hold the next slot
    assert sorted(order) == ["H", "a", "b", "c"]


def test_rate_limiter_close_releases_waiters() -> None:
    limiter = RateLimiter(0.01, burst=1)
    limiter.acquire()
    results: list[bool] = []
    waiter = threading.Thread(target=lambda: results.append(limiter.acquire()))
    waiter.start()
    while not limiter._waiters:
        time.sleep(0.001)
    limiter.close()
    waiter.join(timeout=5)
    assert results == [False]


def test_rate_limiter_burst_then_spacing() -> None:
    # Half a second of ChartMogul's 40 requests/s at once after a lull, at most one per connection; then 1/rate.
    assert limiter_burst(parse_config({"api_key": "k", "start_date": "2024-01-01T00:00:00Z"})) == 20
    slow = {"api_key": "k", "start_date": "2024-01-01T00:00:00Z", "requests_per_second": 3, "max_connections": 20}
    assert limiter_burst(parse_config(slow)) == 2
    limiter = RateLimiter(2.0, burst=5)  # one request every 500 ms after the first five
    started = time.monotonic()
    for _ in range(5):
        assert limiter.acquire()
    assert time.monotonic() - started < 0.2
    assert limiter.acquire()
    assert time.monotonic() - started >= 0.4


def test_windows_with_more_pages_left_go_first() -> None:
    lo, hi = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
    part = Partition("/v1/activities", {}, lo=lo, hi=hi)
    early = window_priority(part, 2, datetime(2024, 1, 11, tzinfo=UTC), NOW)  # 2 pages for 10 of 60 days
    late = window_priority(part, 10, datetime(2024, 2, 20, tzinfo=UTC), NOW)  # 10 pages for 50 of 60 days
    done = window_priority(part, 10, hi, NOW)
    assert HIGH < NORMAL < early < late < done <= NORMAL + 1


def texts(*records: object) -> list[bytes]:
    """Records as the reader holds them: the JSON text the API sent."""
    return [orjson.dumps(record) for record in records]


def test_the_date_filter_keeps_the_window_skips_the_emitted_boundary_and_tracks_the_cursor() -> None:
    at = "2024-01-10T00:00:00+00:00"
    items = texts(
        {"uuid": "before", "date": "2024-01-01T23:59:59Z"},
        {"uuid": "first", "date": "2024-01-02T00:00:00+00:00"},
        {"uuid": "emitted", "date": at},
        {"uuid": "new-at-boundary", "date": "2024-01-10T02:00:00+02:00"},  # the same instant, another offset
        {"uuid": "undated", "date": None},
        {"uuid": "end", "date": "2024-01-20T00:00:00Z"},
        ["not", "an", "object"],  # kept, like any record without a date
    )
    lo, hi = datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 20, tzinfo=UTC)
    emitted = Boundary(datetime(2024, 1, 10, tzinfo=UTC), frozenset({"emitted"}))
    kept, boundary = keep_in_window(items, "date", lo, hi, emitted)
    assert [orjson.loads(i) for i in kept] == [orjson.loads(i) for i in items[1:2] + items[3:5] + items[6:]]
    assert boundary == Boundary(datetime(2024, 1, 10, tzinfo=UTC), frozenset({"new-at-boundary"}))
    assert keep_in_window([], "date", None, None, None) == ([], None)
    fraction = texts({"uuid": "x", "date": "2024-01-02T00:00:00.500Z"})
    assert keep_in_window(fraction, "date", datetime(2024, 1, 2, 0, 0, 1, tzinfo=UTC), None, None) == ([], None)


def test_workers_run_the_most_urgent_task_first_and_survive_a_failing_one() -> None:
    pool = Workers(1, "test-workers")
    gate, order = threading.Event(), []
    pool.submit(NORMAL, gate.wait)  # holds the only thread while the rest queue up
    pool.submit(NORMAL + 0.5, lambda: order.append("late window"))
    pool.submit(NORMAL, lambda: 1 / 0)
    pool.submit(NORMAL, lambda: order.append("window"))
    pool.submit(HIGH, lambda: order.append("chain"))
    gate.set()
    deadline = time.monotonic() + 5
    while len(order) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert order == ["chain", "window", "late window"]
    pool.shutdown()


def test_workers_shutdown_drops_queued_tasks_and_joins_the_threads() -> None:
    pool = Workers(2, "test-shutdown")
    started, release, ran = threading.Barrier(3), threading.Event(), []
    for _ in range(2):
        pool.submit(NORMAL, lambda: (started.wait(), release.wait(5)))
    pool.submit(NORMAL, lambda: ran.append("queued"))
    started.wait(5)  # both threads busy: the third task waits in the queue
    threading.Timer(0.1, release.set).start()
    pool.shutdown()
    assert ran == []
    assert not [t for t in threading.enumerate() if t.name.startswith("test-shutdown")]


def test_the_customers_read_splits_large_accounts_and_checks_them_again() -> None:
    small = CustomerRead(page_size=10)
    [count] = small.start()
    assert count.role == "count" and count.params == {"per_page": 1}
    [chain], _ = small.counted("count", 30)  # 3 pages: one unfiltered chain, nothing to check after
    assert chain.params == {} and small.chain_done() == []
    page = texts({"uuid": "a"}, {"uuid": "a", "name": "again"}, {"uuid": None}, {"name": "no uuid"}, {"uuid": "b"})
    assert small.fresh(page) == [page[0], page[4]]

    def read(first: int, second: int | None, seen: int) -> tuple[list[str], str | None]:
        large = CustomerRead(page_size=10)
        chains, _ = large.counted("count", first)
        assert [c.params["status"] for c in chains] == list(STATUSES)
        large.fresh(texts(*({"uuid": f"c{n}"} for n in range(seen))))
        for _ in chains[:-1]:
            assert large.chain_done() == []
        [recount] = large.chain_done()
        assert recount.role == "recount"
        again, note = large.counted("recount", second)
        return [str(step.params) for step in again], note

    assert read(40, 40, 40) == ([], None)
    assert read(40, 40, 39)[0] == ["{}"]  # one customer missed
    assert read(40, 39, 39)[0] == ["{}"]  # one deleted: the count moved
    assert read(40, 41, 41)[0] == ["{}"]  # one created: the count moved
    assert read(40, None, 40)[0] == ["{}"]  # no count to compare with
    assert "changed while being read (39 seen, counted 40 at the end)" in (read(40, 40, 39)[1] or "")


def test_record_lines_carry_each_record_as_the_api_sent_it_and_decode_for_dict_consumers() -> None:
    batch = RecordBatch("customers", [b'{"uuid":"a","name":"\\u00c9mile"}', b'{"uuid":"b"}'], 7)
    lines = batch.lines().splitlines()
    assert lines == [
        b'{"type":"RECORD","record":{"stream":"customers","data":{"uuid":"a","name":"\\u00c9mile"},"emitted_at":7}}',
        b'{"type":"RECORD","record":{"stream":"customers","data":{"uuid":"b"},"emitted_at":7}}',
    ]
    assert batch.records == [{"uuid": "a", "name": "Émile"}, {"uuid": "b"}]
    assert [m["record"]["data"] for m in batch.messages()] == batch.records
    assert RecordBatch("customers", [], 7).lines() == b""


def test_record_lines_stay_one_a_line_when_the_api_formats_with_line_breaks() -> None:
    batch = RecordBatch("customers", [b'{\n  "uuid": "a",\r\n  "tags": ["x"]\n}', b'{"uuid": "b"}'], 7)
    lines = batch.lines().splitlines()
    assert [orjson.loads(line)["record"]["data"] for line in lines] == [{"uuid": "a", "tags": ["x"]}, {"uuid": "b"}]


def test_a_records_keys_are_read_without_decoding_it_and_a_key_can_be_added() -> None:
    read = keys_reader("date")
    assert read(b'{"uuid":"u1","nested":{"date":"no"},"date":"2024-01-01"}') == ("u1", "2024-01-01")
    assert read(b'{"name":"no keys"}') == (None, None)
    assert read(b'["not", "an", "object"]') == (None, None)
    assert uuid_of(b'{"uuid":"u2"}') == "u2" and uuid_of(b"[]") is None
    assert keys_reader("uuid")(b'{"uuid":"u3"}') == ("u3", "u3")
    assert orjson.loads(with_key(b'{"uuid":"u1","customer_uuid":"old"}', "customer_uuid", "cus_1")) == {
        "uuid": "u1",
        "customer_uuid": "cus_1",
    }
    assert orjson.loads(with_key(b'{"uuid":"u1"}', "plan_uuids", ["p1"])) == {"uuid": "u1", "plan_uuids": ["p1"]}
