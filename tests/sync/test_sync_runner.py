"""The runner end to end, on DuckDB and PostgreSQL, fed by the generator source."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sync_source as source
from sync_helpers import rows, stored_states, table_exists

from mogul.sync import (
    Outcome,
    PlainProgress,
    Progress,
    StreamResult,
    SyncResult,
    WriteMode,
    connect,
    load_state,
    run_sync,
)

MODES = {"customers": "overwrite", "activities": "append"}


def sync(url: str, modes: Any = MODES, **kwargs: Any) -> SyncResult:
    """One whole sync as the CLI does it: stored state in, source read, messages written."""
    source_args = {k: kwargs.pop(k) for k in ("customers", "activities", "page", "version") if k in kwargs}
    state = load_state(url, source.CATALOG, modes)
    return run_sync(source.read(state, **source_args), source.CATALOG, url, modes, **kwargs)


def fails_after(messages: Iterator[dict[str, Any]], stream: str, offset: int) -> Iterator[dict[str, Any]]:
    """The messages up to the STATE of `stream` at `offset`, then a network failure."""
    for message in messages:
        yield message
        if message == source.state_message(stream, offset):
            raise ConnectionError("network down")


def test_first_sync_writes_every_record_and_reports(url):
    result = sync(url, customers=30, activities=25, page=7)
    assert result.ok
    assert result.streams["customers"].records == 30
    assert result.streams["activities"].records == 25
    assert result.streams["activities"].states == 4  # pages of 7: 7, 14, 21, 25
    assert all(s.outcome is Outcome.COMPLETE for s in result.streams.values())
    assert [r["uuid"] for r in rows(url, "customers")] == [f"cus_{i:08d}" for i in range(30)]
    assert len(rows(url, "activities")) == 25
    assert not table_exists(url, "_mogul_staging_customers")


def test_incremental_resume_appends_only_new_records(url):
    sync(url, customers=5, activities=20)
    state = load_state(url, source.CATALOG, MODES)
    # The completed overwrite has nothing to resume; the append resumes at its last offset.
    assert [s["stream"]["stream_descriptor"]["name"] for s in state] == ["activities"]
    assert state[0]["stream"]["stream_state"] == {"offset": 20}
    result = sync(url, customers=5, activities=35)
    assert result.streams["activities"].records == 15
    assert result.streams["customers"].records == 5  # a full refresh again
    uuids = [r["uuid"] for r in rows(url, "activities")]
    assert uuids == [f"act_{i:08d}" for i in range(35)]  # none lost, none twice


def test_overwrite_replaces_the_old_table(url):
    sync(url, customers=10, activities=0, version=1)
    sync(url, customers=4, activities=0, version=3)
    table = rows(url, "customers")
    assert len(table) == 4
    assert {r["mrr"] for r in table} == {str((i % 1000) * 300) for i in range(4)}


def test_append_dedup_keeps_the_newest_record_per_key(url):
    modes = {"customers": "append_dedup", "activities": "append"}
    sync(url, modes, customers=10, activities=0, version=1)

    # A full re-read of customers (dedup keeps no resumable state for them to skip) at version 2.
    def messages() -> Iterator[dict[str, Any]]:
        for i in [3, 4, 3]:
            yield source.record("customers", source.customer(i, version=2 if i != 3 else 5), i)
        yield source.record("customers", source.customer(3, version=7), 99)
        yield source.state_message("customers", 99)

    run_sync(messages(), source.CATALOG, url, modes)
    table = {r["uuid"]: r for r in rows(url, "customers")}
    assert len(table) == 10
    assert table["cus_00000003"]["mrr"] == str(300 * 7)  # the last one received wins
    assert table["cus_00000004"]["mrr"] == str(400 * 2)
    assert table["cus_00000005"]["mrr"] == str(500 * 1)  # untouched


def test_state_is_committed_with_the_rows_it_covers(url):
    seen: list[tuple[int, Any]] = []

    def messages() -> Iterator[dict[str, Any]]:
        for i in range(12):
            yield source.record("activities", source.activity(i), i)
            if i % 4 == 3:
                yield source.state_message("activities", i + 1)
                # What a reader sees right after the STATE: rows and state agree.
                with connect(url) as reader:
                    stored = reader.stored_states()["activities"].state
                    count = len(rows(url, "activities"))
                seen.append((count, stored["stream"]["stream_state"]["offset"]))
        yield source.record("activities", source.activity(12), 12)
        raise RuntimeError("the source died")

    dest = connect(url)
    try:
        with pytest.raises(RuntimeError, match="the source died"):
            run_sync(messages(), source.CATALOG, dest, MODES, checkpoint_rows=0, background_writes=False)
    finally:
        dest.close()
    assert seen == [(4, 4), (8, 8), (12, 12)]
    # The record after the last STATE was not committed: the resume will send it again.
    assert len(rows(url, "activities")) == 12
    assert load_state(url, source.CATALOG, MODES)[0]["stream"]["stream_state"] == {"offset": 12}


def test_a_failed_background_write_rolls_back_and_surfaces(url):
    """The next batch is converted while the writer's thread commits the previous one: when a
    commit fails, its rows and the column it added roll back, later batches are never written,
    and the error reaches the caller."""
    bad = source.state_message("activities", 8)
    bad["state"]["stream"]["stream_state"]["cursor"] = object()  # cannot be stored: the commit fails

    def messages() -> Iterator[dict[str, Any]]:
        for i in range(12):
            data = source.activity(i)
            if i >= 4:
                data[f"new_{i // 4}"] = i  # each batch after the first adds a column
            yield source.record("activities", data, i)
            if i % 4 == 3:
                yield bad if i == 7 else source.state_message("activities", i + 1)

    with pytest.raises(TypeError):
        run_sync(messages(), source.CATALOG, url, {"activities": "append"}, checkpoint_rows=0)
    table = rows(url, "activities")
    assert len(table) == 4 and "new_1" not in table[0] and "new_2" not in table[0]
    assert load_state(url, source.CATALOG, MODES)[0]["stream"]["stream_state"] == {"offset": 4}


def test_coalesced_checkpoints_still_commit_covered_rows_when_the_source_fails(url):
    def failing() -> Iterator[dict[str, Any]]:
        for message in source.read([], customers=0, activities=10, page=3):
            if message == source.status("activities", "COMPLETE"):
                raise ConnectionError("network down")
            yield message

    with pytest.raises(ConnectionError):
        # A huge checkpoint interval: nothing commits until the failure forces it.
        run_sync(failing(), source.CATALOG, url, MODES, checkpoint_rows=10**9, checkpoint_seconds=10**9)
    assert len(rows(url, "activities")) == 10
    assert load_state(url, source.CATALOG, MODES)[0]["stream"]["stream_state"] == {"offset": 10}


def test_a_failed_overwrite_keeps_the_old_table_and_resumes_into_staging(url):
    sync(url, customers=6, activities=0, version=1)

    state = load_state(url, source.CATALOG, MODES)
    failing = fails_after(source.read(state, customers=20, activities=0, page=5, version=2), "customers", 10)
    with pytest.raises(ConnectionError):
        run_sync(failing, source.CATALOG, url, MODES, checkpoint_rows=0)
    old = rows(url, "customers")
    assert len(old) == 6 and {r["mrr"] for r in old} == {str(i * 100) for i in range(6)}  # readers: old
    assert len(rows(url, "_mogul_staging_customers")) == 10
    state = load_state(url, source.CATALOG, MODES)
    assert [s["stream"]["stream_state"] for s in state] == [{"offset": 10}]

    result = sync(url, customers=20, activities=0, page=5, version=2)
    assert result.streams["customers"].resumed
    assert result.streams["customers"].records == 10
    new = rows(url, "customers")
    assert [r["uuid"] for r in new] == [f"cus_{i:08d}" for i in range(20)]
    assert {r["mrr"] for r in new} == {str(i * 200) for i in range(20)}
    assert not table_exists(url, "_mogul_staging_customers")


def test_without_resume_an_interrupted_overwrite_starts_over(url):
    failing = fails_after(source.read([], customers=8, activities=0, page=4), "customers", 4)

    with pytest.raises(ConnectionError):
        run_sync(failing, source.CATALOG, url, MODES, checkpoint_rows=0)
    # The source is started from scratch (no state), so the staging copy must not be kept.
    result = run_sync(source.read([], customers=8, activities=0), source.CATALOG, url, MODES, resume=False)
    assert result.streams["customers"].records == 8
    assert len(rows(url, "customers")) == 8


def test_stream_error_marks_the_stream_incomplete_and_never_swaps(url):
    sync(url, customers=3, activities=0)

    def messages() -> Iterator[dict[str, Any]]:
        yield source.record("customers", source.customer(0, 9), 0)
        yield source.state_message("customers", 1)
        yield {
            "type": "TRACE",
            "trace": {
                "type": "ERROR",
                "emitted_at": 1.0,
                "error": {"message": "ChartMogul said 500", "stream_descriptor": {"name": "customers"}},
            },
        }
        yield source.status("customers", "INCOMPLETE")

    result = run_sync(messages(), source.CATALOG, url, MODES)
    assert not result.ok
    assert result.errors == ["customers: ChartMogul said 500"]
    assert result.streams["customers"].outcome is Outcome.INCOMPLETE
    assert len(rows(url, "customers")) == 3  # the old table stands
    assert stored_states(url)["customers"].status == "running"


def test_new_field_adds_a_column_and_never_fails(url):
    def messages() -> Iterator[dict[str, Any]]:
        first = source.activity(0)
        yield source.record("activities", first, 0)
        yield source.state_message("activities", 1)
        later = source.activity(1) | {"brand_new": "hello", "nested_new": {"a": [1, 2]}, "count_new": 5}
        yield source.record("activities", later, 1)
        yield source.state_message("activities", 2)

    result = run_sync(messages(), source.CATALOG, url, MODES, checkpoint_rows=0)
    assert result.ok
    table = rows(url, "activities")
    assert table[0]["brand_new"] is None
    assert table[1]["brand_new"] == "hello"
    assert table[1]["count_new"] == "5"
    assert orjson.loads(table[1]["nested_new"]) == {"a": [1, 2]}


def test_unknown_streams_and_odd_messages_are_ignored(url):
    out = io.StringIO()
    messages = [
        {"type": "LOG", "log": {"level": "INFO", "message": "hello from the source"}},
        source.record("plans", {"uuid": "pl_1"}, 0),
        {"type": "RECORD", "record": {"stream": "activities", "data": None}},
        {"type": "STATE", "state": {"type": "GLOBAL", "global": {"shared_state": {}}}},
        {"type": "CONTROL", "control": {}},
        orjson.dumps(source.record("activities", source.activity(0), 0)),  # JSON lines work too
        orjson.dumps(source.state_message("activities", 1)).decode(),
        "Traceback (most recent call last):",  # a stray line from a subprocess source
        [1, 2],
    ]
    result = run_sync(messages, source.CATALOG, url, MODES, progress=PlainProgress(out))
    assert result.ignored_records == 1
    assert result.streams["activities"].records == 1
    assert len(rows(url, "activities")) == 1
    log = out.getvalue()
    assert "hello from the source" in log
    assert "'plans'" in log and "GLOBAL state is not supported" in log
    assert "not a JSON message: 'Traceback" in log


def test_progress_hears_estimates_counts_and_the_end():
    class Recorder(Progress):
        def __init__(self) -> None:
            self.events: list[tuple[str, Any]] = []

        def start(self, streams):
            self.events.append(("start", dict(streams)))

        def estimate(self, stream, rows):
            self.events.append(("estimate", (stream, rows)))

        def stream_done(self, result: StreamResult):
            self.events.append(("done", (result.name, result.records)))

        def finish(self, result: SyncResult):
            self.events.append(("finish", result.records))

    recorder = Recorder()
    messages = source.read([], customers=3, activities=4)
    run_sync(messages, source.CATALOG, "duckdb:///:memory:", MODES, recorder)
    assert recorder.events == [
        ("start", {"customers": WriteMode.OVERWRITE, "activities": WriteMode.APPEND}),
        ("estimate", ("customers", 3)),
        ("done", ("customers", 3)),
        ("estimate", ("activities", 4)),
        ("done", ("activities", 4)),
        ("finish", 7),
    ]


def test_an_empty_sync_still_creates_the_tables(url):
    result = run_sync([], source.CATALOG, url, MODES)
    assert result.ok and result.records == 0
    assert table_exists(url, "customers") and table_exists(url, "activities")


def test_changing_a_stream_to_append_drops_an_interrupted_overwrite(url):
    failing = fails_after(source.read([], customers=8, activities=0, page=4), "customers", 4)

    with pytest.raises(ConnectionError):
        run_sync(failing, source.CATALOG, url, MODES, checkpoint_rows=0)
    appended = {"customers": "append", "activities": "append"}
    assert load_state(url, source.CATALOG, appended) == []
    sync(url, appended, customers=8, activities=0)
    assert len(rows(url, "customers")) == 8
    assert not table_exists(url, "_mogul_staging_customers")


@pytest.mark.parametrize("mode", ["overwrite", "append_dedup"])
def test_a_source_without_states_is_written_in_bounded_batches(url, mode):
    def stateless(n: int) -> Iterator[dict[str, Any]]:
        for i in range(n):
            yield source.record("customers", source.customer(i), i)
        raise ConnectionError("network down")

    modes = {"customers": mode, "activities": "append"}
    with pytest.raises(ConnectionError):
        run_sync(stateless(25), source.CATALOG, url, modes, max_buffer_rows=10)
    table = "customers" if mode == "append_dedup" else "_mogul_staging_customers"
    assert len(rows(url, table)) == 20  # two full buffers written, five records lost with the source
    # Nothing covers those rows: an overwrite starts over, a dedup resumes from nothing.
    assert load_state(url, source.CATALOG, modes) == []
    result = sync(url, modes, customers=25, activities=0, page=100)
    assert result.streams["customers"].records == 25
    assert [r["uuid"] for r in rows(url, "customers")] == [f"cus_{i:08d}" for i in range(25)]


@pytest.mark.parametrize(("chosen", "batches"), [(None, 3), (0, 11), (12, 2)])
def test_the_destination_sets_the_default_transaction_size(url, monkeypatch, chosen, batches):
    """Without `checkpoint_rows` the runner commits as often as the destination asks (here every
    8 covered records); an explicit value still wins."""

    def messages() -> Iterator[dict[str, Any]]:
        for i in range(20):
            yield source.record("activities", source.activity(i), i)
            if i % 2 == 1:
                yield source.state_message("activities", i + 1)

    with connect(url) as dest:
        monkeypatch.setattr(type(dest), "checkpoint_rows", 8)
        result = run_sync(messages(), source.CATALOG, dest, MODES, checkpoint_rows=chosen, checkpoint_seconds=10**9)
    assert result.streams["activities"].batches == batches  # the commits, then the (empty) last write
    assert len(rows(url, "activities")) == 20
    assert load_state(url, source.CATALOG, MODES)[0]["stream"]["stream_state"] == {"offset": 20}


@pytest.mark.parametrize("mode", ["overwrite", "append_dedup"])
def test_a_large_transaction_is_written_in_parts(url, monkeypatch, mode):
    """A batch larger than a part is converted and inserted part by part (`Destination.write`)
    and committed once, with its state; a key repeated in a later part keeps the newest record,
    and a field first seen in a later part adds its column."""
    from mogul.sync import runner
    from mogul.sync.destinations.sql import SqlDestination

    monkeypatch.setattr(runner, "PART_ROWS", 4)
    parts: list[int] = []
    write = SqlDestination.write
    monkeypatch.setattr(SqlDestination, "write", lambda self, name, b: parts.append(b.size) or write(self, name, b))

    def messages() -> Iterator[dict[str, Any]]:
        for i in range(10):
            data = source.customer(i % 7)
            if i >= 7:
                data = {**data, "name": f"newer {i}", "late_field": i}
            yield source.record("customers", data, i)
        yield source.state_message("customers", 10)

    modes = {"customers": mode, "activities": "append"}
    result = run_sync(messages(), source.CATALOG, url, modes, checkpoint_rows=10)
    assert result.ok and result.streams["customers"].batches == 2  # one commit, then the empty finish
    assert parts == [4, 4]  # the commit's last part (2 records) went with its checkpoint
    table = rows(url, "customers")
    if mode == "overwrite":
        assert len(table) == 10
    else:
        assert len(table) == 7
        assert [(r["name"], r["late_field"]) for r in table[:3]] == [
            ("newer 7", "7"),
            ("newer 8", "8"),
            ("newer 9", "9"),
        ]
    assert stored_states(url)["customers"].state["stream"]["stream_state"] == {"offset": 10}


def _count_parts(monkeypatch: pytest.MonkeyPatch, part_rows: int) -> list[tuple[str, int]]:
    """Make parts `part_rows` records long; returns the list of (stream, size) of each part written."""
    from mogul.sync import runner
    from mogul.sync.destinations.sql import SqlDestination

    monkeypatch.setattr(runner, "PART_ROWS", part_rows)
    parts: list[tuple[str, int]] = []
    write = SqlDestination.write

    def counting(self: SqlDestination, name: str, b: Any) -> None:
        parts.append((name, b.size))
        write(self, name, b)

    monkeypatch.setattr(SqlDestination, "write", counting)
    return parts


def test_parts_are_written_as_states_arrive_and_committed_together(url, monkeypatch):
    """Covered records go into the open transaction a part at a time (the buffer stays small);
    the transaction commits once it holds `checkpoint_rows`, with the last state."""
    parts = _count_parts(monkeypatch, 4)
    seen: list[int] = []

    def messages() -> Iterator[dict[str, Any]]:
        for i in range(12):
            yield source.record("activities", source.activity(i), i)
            if i % 2 == 1:
                yield source.state_message("activities", i + 1)
                seen.append(len(rows(url, "activities")))

    result = run_sync(messages(), source.CATALOG, url, MODES, checkpoint_rows=10, checkpoint_seconds=10**9)
    assert parts == [("activities", 4), ("activities", 4)]  # at the STATEs of records 4 and 8
    # Nothing is visible until the transaction commits at 10 records (the writer may lag a STATE).
    assert seen[:4] == [0, 0, 0, 0] and seen[-1] in (0, 10)
    assert result.streams["activities"].batches == 2  # the commit at 10, then the finish
    assert len(rows(url, "activities")) == 12
    assert load_state(url, source.CATALOG, MODES)[0]["stream"]["stream_state"] == {"offset": 12}


def test_interleaved_streams_commit_each_other_open_transaction(url, monkeypatch):
    """One transaction is open at a time: a part of another stream first commits the open one
    with its own state, so every stream's rows still agree with its stored state."""
    parts = _count_parts(monkeypatch, 2)
    modes = {"customers": "append", "activities": "append"}

    def messages() -> Iterator[dict[str, Any]]:
        for page in range(3):
            for name, make in (("customers", source.customer), ("activities", source.activity)):
                for i in range(page * 2, page * 2 + 2):
                    yield source.record(name, make(i), i)
                yield source.state_message(name, page * 2 + 2)

    result = run_sync(messages(), source.CATALOG, url, modes, checkpoint_rows=100, checkpoint_seconds=10**9)
    assert result.ok
    assert [name for name, _ in parts] == ["customers", "activities"] * 3
    assert result.streams["customers"].batches == 4  # committed by each activities part, then finished
    for name in ("customers", "activities"):
        assert len(rows(url, name)) == 6
        assert stored_states(url)[name].state["stream"]["stream_state"] == {"offset": 6}


def test_parts_written_before_a_source_failure_are_kept_with_their_state(url, monkeypatch):
    parts = _count_parts(monkeypatch, 2)
    modes = {"customers": "append", "activities": "append"}

    def failing() -> Iterator[dict[str, Any]]:
        for i in range(7):
            yield source.record("activities", source.activity(i), i)
            if i % 2 == 1:
                yield source.state_message("activities", i + 1)
        raise ConnectionError("network down")

    with pytest.raises(ConnectionError):
        run_sync(failing(), source.CATALOG, url, modes, checkpoint_rows=100, checkpoint_seconds=10**9)
    assert len(parts) == 3  # records 0-5, uncommitted until the source failed
    assert len(rows(url, "activities")) == 6  # the seventh record no state covers is sent again
    assert load_state(url, source.CATALOG, modes)[0]["stream"]["stream_state"] == {"offset": 6}
