"""Pure parts: state and catalog parsing, the cursor, the rate limiter's ordering, window planning."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime

import pytest

from mogul.source import reader as reader_module
from mogul.source.catalog import CatalogError, parse_catalog, parse_state
from mogul.source.config import parse_config
from mogul.source.cursor import Boundary, parse_cursor_date, to_cursor
from mogul.source.ratelimit import HIGH, NORMAL, RateLimiter
from mogul.source.reader import Partition, Reader, Run, limiter_burst
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


def test_windows_cover_the_range_without_gaps() -> None:
    config = parse_config(
        {"api_key": "k", "start_date": "2024-01-01T00:00:00Z", "window_days": 10, "end_date": "2024-03-05T00:00:00Z"}
    )
    reader = Reader(config, [], {})
    parts = reader.plan(Run(BY_NAME["activities"], False, None))
    assert parts[0].lo == config.start_date
    for left, right in itertools.pairwise(parts):
        assert left.hi == right.lo
    assert parts[-1].hi is not None and parts[-1].hi > config.end_date
    assert len(parts) == 7
    open_ended = Reader(parse_config({"api_key": "k", "start_date": "2024-01-01T00:00:00Z"}), [], {})
    last = open_ended.plan(Run(BY_NAME["activities"], False, None))[-1]
    assert last.hi is None and "end-date" not in last.params


def test_incremental_plan_starts_at_state_minus_lookback_and_skips_the_future() -> None:
    config = parse_config({"api_key": "k", "start_date": "2020-01-01T00:00:00Z", "lookback_window_days": 3})
    reader = Reader(config, [], {})
    state = Boundary(datetime(2024, 5, 10, tzinfo=UTC))
    [metrics] = reader.plan(Run(BY_NAME["metrics"], True, state))
    assert metrics.params["start-date"] == "2024-05-07" and metrics.params["interval"] == "month"
    assert reader.plan(Run(BY_NAME["activities"], True, state))[0].lo == datetime(2024, 5, 7, tzinfo=UTC)
    future = Boundary(datetime(2099, 1, 1, tzinfo=UTC))
    assert reader.plan(Run(BY_NAME["activities"], True, future)) == []
    assert reader.plan(Run(BY_NAME["customer_count"], True, future)) == []


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
    config = parse_config({"api_key": "k", "start_date": "2024-01-01T00:00:00Z", "end_date": "2024-12-31T00:00:00Z"})
    reader = Reader(config, [], {})
    lo, hi = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
    part = Partition(0, {}, "/v1/activities", lo=lo, hi=hi)
    early = reader._window_priority(part, 2, datetime(2024, 1, 11, tzinfo=UTC))  # 2 pages for 10 of 60 days
    late = reader._window_priority(part, 10, datetime(2024, 2, 20, tzinfo=UTC))  # 10 pages for 50 of 60 days
    done = reader._window_priority(part, 10, hi)
    assert HIGH < NORMAL < early < late < done <= NORMAL + 1


def test_window_filter_by_strings_agrees_with_parsed_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages of whole-second UTC dates are filtered by string comparison; it must keep, skip and track the cursor
    # exactly as parsing every date does, windows with fractions of a second and saved boundaries included.
    import random
    import uuid
    from datetime import timedelta

    rng = random.Random(7)
    reader = Reader(parse_config({"api_key": "k", "start_date": "2020-01-01T00:00:00Z"}), [], {})
    base = datetime(2020, 1, 1, tzinfo=UTC)
    fast_paths = 0
    for _ in range(500):
        dates = sorted(base + timedelta(seconds=rng.randrange(0, 400)) for _ in range(rng.randrange(0, 30)))
        items = [{"uuid": str(uuid.UUID(int=rng.getrandbits(128))), "date": d.isoformat()} for d in dates]
        if items and rng.random() < 0.1:
            items[0]["date"] = items[0]["date"].replace("+00:00", "Z")  # another form: the parsing path
        lo = base + timedelta(seconds=rng.randrange(0, 200), microseconds=rng.choice([0, 500_000]))
        hi = rng.choice([None, lo + timedelta(seconds=rng.randrange(1, 300), microseconds=rng.choice([0, 250_000]))])
        seen = None
        if items and rng.random() < 0.5:
            at = rng.choice(items)["date"]
            uuids = frozenset(i["uuid"] for i in items if i["date"] == at and rng.random() < 0.6)
            seen = Boundary(parse_cursor_date(at), uuids)  # type: ignore[arg-type]
        run = Run(BY_NAME["activities"], True, seen)
        part = Partition(0, {}, "/v1/activities", lo=lo, hi=hi)
        prior = rng.choice([None, Boundary(base, frozenset({"earlier"}))])
        fast_paths += reader_module._filter_utc_seconds(items, "date", lo, hi, seen) is not None
        fast = reader._filter(run, part, list(items), prior)
        with monkeypatch.context() as patch:
            patch.setattr(reader_module, "_filter_utc_seconds", lambda *_: None)
            slow = reader._filter(run, part, list(items), prior)
        assert fast == slow
    assert fast_paths > 400


def test_workers_run_the_most_urgent_task_first_and_survive_a_failing_one() -> None:
    from mogul.source.workers import Workers

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
    from mogul.source.workers import Workers

    pool = Workers(2, "test-shutdown")
    started, release, ran = threading.Barrier(3), threading.Event(), []
    for _ in range(2):
        pool.submit(NORMAL, lambda: (started.wait(), release.wait(5)))
    pool.submit(NORMAL, lambda: ran.append("queued"))
    started.wait(5)  # both threads busy: the third task waits in the queue
    threading.Timer(0.1, release.set).start()
    pool.shutdown()
    pool.submit(NORMAL, lambda: ran.append("after"))
    assert ran == []
    assert not [t for t in threading.enumerate() if t.name.startswith("test-shutdown")]
