"""The destinations directly, on DuckDB and PostgreSQL: types, evolution, transactions, URLs."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import duckdb
import orjson
import pytest
from sync_helpers import column_types, rows

from mogul.sync import DestinationError, StreamSpec, WriteMode, connect
from mogul.sync.batch import Batch

SCHEMA: dict[str, Any] = {
    "properties": {
        "uuid": {"type": "string"},
        "name": {"type": ["null", "string"]},
        "seats": {"type": ["null", "integer"]},
        "amount": {"type": ["null", "number"]},
        "active": {"type": ["null", "boolean"]},
        "customer-since": {"type": ["null", "string"], "format": "date-time"},
        "day": {"type": ["null", "string"], "format": "date"},
        "address": {"type": ["null", "object"]},
        "tags": {"type": ["null", "array"]},
    }
}
SPEC = StreamSpec("things", SCHEMA, primary_key=(("uuid",),), supported_sync_modes=("incremental",))


def batch(*records: dict[str, Any]) -> Batch:
    out = Batch()
    for i, record in enumerate(records):
        out.append(record, 1735689600000 + i)
    return out


def state(offset: int) -> dict[str, Any]:
    stream = {"stream_descriptor": {"name": "things"}, "stream_state": {"n": offset}}
    return {"type": "STREAM", "stream": stream}


def test_columns_have_the_mapped_types(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
    types = column_types(url, "things")
    tstz = "TIMESTAMP WITH TIME ZONE"
    if url.startswith("duckdb"):
        expected = {"uuid": "VARCHAR", "seats": "BIGINT", "amount": "DOUBLE", "active": "BOOLEAN",
                    "customer-since": tstz, "day": "DATE", "address": "JSON", "tags": "JSON",
                    "_mogul_extracted_at": tstz, "_mogul_sync_id": "VARCHAR"}  # fmt: skip
    else:
        expected = {"uuid": "TEXT", "seats": "BIGINT", "amount": "DOUBLE PRECISION", "active": "BOOLEAN",
                    "customer-since": tstz, "day": "DATE", "address": "JSONB", "tags": "JSONB",
                    "_mogul_extracted_at": tstz, "_mogul_sync_id": "TEXT"}  # fmt: skip
    assert {name: types[name] for name in expected} == expected


def test_values_read_back_typed(url):
    record = {
        "uuid": "a",
        "name": "Ada",
        "seats": "12",  # a string where the schema says integer: converted
        "amount": 2,
        "active": True,
        "customer-since": "2024-01-05T01:30:00+01:00",
        "day": "2024-02-29",
        "address": {"city": "Berlin", "zip": None},
        "tags": ["a", "b"],
    }
    broken = {"uuid": "b", "seats": 2.5, "customer-since": "not a time", "day": "2024-02-30"}
    broken["active"] = "maybe"
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.checkpoint("things", batch(record, broken), state(2))
    first, second = rows(url, "things")
    assert first["seats"] == "12" and first["amount"] in ("2", "2.0") and first["active"] in ("true", "t")
    assert first["customer-since"].startswith("2024-01-05 00:30:00")  # stored as the UTC instant
    assert first["day"] == "2024-02-29"
    assert orjson.loads(first["address"]) == {"city": "Berlin", "zip": None}
    assert orjson.loads(first["tags"]) == ["a", "b"]
    assert first["_mogul_extracted_at"].startswith("2025-01-01 00:00:00")
    # Values that cannot be their column's type become NULL; the sync goes on.
    assert [second[k] for k in ("seats", "customer-since", "day", "active")] == [None, None, None, None]


def test_json_and_timestamps_read_back_exactly(url):
    """JSON reaches DuckDB as Arrow's JSON type, unparsed; timestamps as text the database parses."""
    nested = {"tags": ["vip", None], "custom": {"seats": 3, "ok": False, "ratio": 0.5}, "name": "Zoë 東京 🚀"}
    values = [nested, [], {}, 'a "quoted" string', 0, None]
    times = {
        "2024-01-05T10:00:00Z": "2024-01-05 10:00:00",
        "2024-01-05T10:00:00.123456+02:00": "2024-01-05 08:00:00.123456",
        "2024-01-05T10:00:00.5": "2024-01-05 10:00:00.5",  # no offset: read as UTC
        "2024-01-05 10:00:00": "2024-01-05 10:00:00",
    }
    records = [{"uuid": f"r{i}", "address": v} for i, v in enumerate(values)]
    records += [{"uuid": f"t{i}", "customer-since": t} for i, t in enumerate(times)]
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.checkpoint("things", batch(*records), state(1))
        query = f"SELECT address->'custom'->>'seats' FROM {dest.ref('things')} WHERE uuid = 'r0'"
        seats = dest._query(query)  # type: ignore[attr-defined]
    assert seats == [("3",)]  # the database reads the column as JSON
    found = {row["uuid"]: row for row in rows(url, "things")}
    for i, value in enumerate(values):
        stored = found[f"r{i}"]["address"]
        assert (None if stored is None else orjson.loads(stored)) == value  # SQL NULL for None
    for i, expected in enumerate(times.values()):
        assert found[f"t{i}"]["customer-since"].startswith(expected)
        assert found[f"t{i}"]["customer-since"].removeprefix(expected) in ("+00", "+00:00")


def test_schema_evolution_adds_columns_and_keeps_existing_types(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.checkpoint("things", batch({"uuid": "a", "seats": 1}), state(1))
        dest.finish_stream("things", Batch(), None)
    string = {"type": "string"}
    changed = {"properties": {**SCHEMA["properties"], "seats": string, "plan": string}}
    with connect(url) as dest:
        dest.begin_stream(StreamSpec("things", changed), WriteMode.APPEND, sync_id="s2", resume=True)
        dest.checkpoint("things", batch({"uuid": "b", "seats": "7", "plan": "gold", "extra": 1.5}), state(2))
    types = column_types(url, "things")
    assert types["seats"] == "BIGINT"  # an existing column keeps its type; values are converted
    assert types["plan"] in ("VARCHAR", "TEXT")
    assert types["extra"] in ("DOUBLE", "DOUBLE PRECISION")
    table = rows(url, "things")
    assert [(r["uuid"], r["seats"], r["plan"]) for r in table] == [("a", "1", None), ("b", "7", "gold")]


def test_a_failed_checkpoint_commits_neither_rows_nor_state(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.checkpoint("things", batch({"uuid": "a"}), state(1))
        unserialisable = {"type": "STREAM", "stream": {"stream_state": {"n": object()}}}
        with pytest.raises(TypeError):
            # The rows go in first, then the state fails to serialise: all of it rolls back.
            dest.checkpoint("things", batch({"uuid": "b", "brand_new": "x"}), unserialisable)
        assert dest.resume_state("things", WriteMode.APPEND) == state(1)
        # The column added inside the failed transaction is gone too, and is added again.
        dest.checkpoint("things", batch({"uuid": "c", "brand_new": "y"}), state(2))
    assert [(r["uuid"], r["brand_new"]) for r in rows(url, "things")] == [("a", None), ("c", "y")]


def test_overwrite_is_invisible_until_finished(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.OVERWRITE, sync_id="s1", resume=True)
        dest.finish_stream("things", batch({"uuid": "old"}), state(1))
        dest.begin_stream(SPEC, WriteMode.OVERWRITE, sync_id="s2", resume=True)
        dest.checkpoint("things", batch({"uuid": "new1"}), state(1))
        assert [r["uuid"] for r in rows(url, "things")] == ["old"]
        assert dest.resume_state("things", WriteMode.OVERWRITE) == state(1)
        dest.finish_stream("things", batch({"uuid": "new2"}), state(2))
        assert [r["uuid"] for r in rows(url, "things")] == ["new1", "new2"]
        assert dest.resume_state("things", WriteMode.OVERWRITE) is None  # complete: start over next time


def test_rows_no_state_covers_make_an_overwrite_start_over(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.OVERWRITE, sync_id="s1", resume=True)
        dest.checkpoint("things", batch({"uuid": "a"}), state(1))
        dest.checkpoint("things", batch({"uuid": "b"}), None)
        assert dest.resume_state("things", WriteMode.OVERWRITE) is None
        dest.begin_stream(SPEC, WriteMode.OVERWRITE, sync_id="s2", resume=True)
        dest.finish_stream("things", batch({"uuid": "a"}, {"uuid": "b"}), state(2))
    assert [r["uuid"] for r in rows(url, "things")] == ["a", "b"]


def test_dedup_newest_wins_within_and_across_batches(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND_DEDUP, sync_id="s1", resume=True)
        dest.checkpoint("things", batch({"uuid": "a", "seats": 1}, {"uuid": "b", "seats": 1}), state(1))
        dest.checkpoint("things", batch({"uuid": "a", "seats": 2}, {"uuid": "a", "seats": 3}), state(2))
        dest.checkpoint("things", batch({"uuid": None, "seats": 4}, {"uuid": None, "seats": 5}), state(3))
    table = rows(url, "things", order_by="seats")
    assert [(r["uuid"], r["seats"]) for r in table] == [("b", "1"), ("a", "3"), (None, "4"), (None, "5")]


def test_odd_field_names_never_fail(url):
    odd = {"uuid": "a", "Name": "upper", "name": "lower", "with space": 1, 'quote"d': 2, "per%cent": 3,
           "_mogul_sync_id": "forged"}  # fmt: skip
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND_DEDUP, sync_id="s1", resume=True)
        dest.checkpoint("things", batch(odd, odd | {"uuid": "b"}), state(1))
        query = f'SELECT DISTINCT "_mogul_sync_id" FROM {dest.ref("things")}'  # type: ignore[attr-defined]
        sync_ids = dest._query(query)  # type: ignore[attr-defined]
    (row, _) = rows(url, "things")
    assert row["name"] == "lower"
    assert (row["with space"], row['quote"d'], row["per%cent"]) == ("1", "2", "3")
    assert sync_ids == [("s1",)]


def test_schema_names_that_differ_only_in_case(url):
    spec = StreamSpec("things", {"properties": {"uuid": {"type": "string"}, "Plan": {"type": "string"},
                                                "plan": {"type": "integer"}}})  # fmt: skip
    with connect(url) as dest:
        dest.begin_stream(spec, WriteMode.OVERWRITE, sync_id="s1", resume=True)
        dest.finish_stream("things", batch({"uuid": "a", "Plan": "gold", "plan": 3}), state(1))
    (row,) = rows(url, "things")
    assert row["Plan"] == "gold"
    assert row.get("plan", "3") == "3"  # a second column where the database tells the names apart


def test_nul_characters_do_not_break_postgres(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        record = {"uuid": "a", "name": "a\x00b", "address": {"k": "c\x00d"}}
        dest.checkpoint("things", batch(record), state(1))
    (row,) = rows(url, "things")
    assert row["name"] in ("ab", "a\x00b")
    assert orjson.loads(row["address"])["k"] in ("cd", "c\x00d")


def test_a_stream_must_be_begun_before_it_is_written(url):
    with connect(url) as dest, pytest.raises(DestinationError, match="was not begun"):
        dest.checkpoint("things", batch({"uuid": "a"}), state(1))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://localhost/db", "unsupported destination mysql://localhost/db: use duckdb:///"),
        ("chartmogul.duckdb", "unsupported destination 'chartmogul.duckdb'"),
        ("duckdb://file.duckdb", "bad DuckDB URL"),
        ("duckdb:///x.duckdb?mode=ro", r"the only option is \?schema=name"),
        ("duckdb:////no/such/directory/x.duckdb", "directory /no/such/directory does not exist"),
        ("postgresql://postgres:s3cret@127.0.0.1:1/test", r"cannot connect to postgresql://postgres:\*\*\*@127"),
        ("postgresql://postgres@127.0.0.1:5432/test?schema=", "empty schema"),
    ],
)
def test_bad_destination_urls_give_a_clear_error(url, message):
    with pytest.raises(DestinationError, match=message) as error:
        connect(url)
    assert "s3cret" not in str(error.value)


def test_a_locked_duckdb_file_is_a_clear_error(tmp_path):
    path = tmp_path / "locked.duckdb"
    script = f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('held', flush=True); input()"
    holder = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(DestinationError, match=r"cannot open duckdb:///.*lock"):
            connect(f"duckdb:///{path}")
    finally:
        holder.communicate("")


def test_duckdb_destinations_on_one_file_share_it_and_release_it(tmp_path, monkeypatch):
    """The file is attached with mogul's row group size. A second destination on the same file in
    this process (named another way) shares the first one's instance and sees only committed rows;
    once both close, any DuckDB connection can open the file. A quote in the path is no problem."""
    folder = tmp_path / "it's here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    with connect("duckdb:///sync.duckdb") as first:
        first.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        first.checkpoint("things", batch({"uuid": "a"}), state(1))
        first.write("things", batch({"uuid": "b"}))  # in the open transaction, not committed
        with connect(f"duckdb:///{folder / 'sync.duckdb'}") as second:
            found = second.connection.execute('SELECT uuid FROM "things"').fetchall()  # type: ignore[attr-defined]
            assert found == [("a",)]
        first.finish_stream("things", batch({"uuid": "c"}), state(2))
    with duckdb.connect(str(folder / "sync.duckdb")) as con:
        assert con.execute('SELECT uuid FROM "things" ORDER BY uuid').fetchall() == [("a",), ("b",), ("c",)]


def test_rows_replaced_by_append_dedup_give_their_space_back(tmp_path):
    """DuckDB's vacuum is off during a sync (it compressed whole row groups again to merge partial
    ones), but a sync that replaced rows turns it back on for the close: the deleted rows' space is
    reclaimed instead of piling up with every update."""
    path = tmp_path / "sync.duckdb"
    url = f"duckdb:///{path}"

    def stored_rows() -> int:
        with duckdb.connect(str(path)) as con:
            found = con.execute("SELECT DISTINCT row_group_id, count FROM pragma_storage_info('things')").fetchall()
        return sum(count for _, count in found)

    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND_DEDUP, sync_id="s1", resume=True)
        dest.finish_stream("things", batch(*({"uuid": f"u{i}", "seats": 1} for i in range(1000))), state(1))
    assert stored_rows() == 1000
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND_DEDUP, sync_id="s2", resume=True)
        dest.finish_stream("things", batch(*({"uuid": f"u{i}", "seats": 2} for i in range(0, 1000, 10))), state(2))
    assert stored_rows() == 1000  # 100 replaced, and the 100 old copies gone from the file
    assert sum(int(r["seats"]) for r in rows(url, "things")) == 1100


def test_a_duckdb_file_made_elsewhere_takes_appends(tmp_path):
    """A file DuckDB made with its own row group size: the sync appends to its tables."""
    path = tmp_path / "theirs.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute('CREATE TABLE "things" (uuid VARCHAR, seats BIGINT)')
        con.execute("INSERT INTO \"things\" VALUES ('old', 1)")
    with connect(f"duckdb:///{path}") as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.finish_stream("things", batch({"uuid": "new", "seats": 2}), state(1))
    assert [(r["uuid"], r["seats"]) for r in rows(f"duckdb:///{path}", "things")] == [("new", "2"), ("old", "1")]


def test_batches_prepared_ahead_add_their_columns_in_order(url):
    """The runner converts the next batch while the previous one is written: a batch prepared
    ahead counts on the columns the batches before it add."""
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        first = dest.prepare("things", batch({"uuid": "a", "plan": "gold"}))
        second = dest.prepare("things", batch({"uuid": "b", "plan": "silver", "region": "eu"}))
        assert (list(first.added), list(second.added)) == (["plan"], ["region"])
        dest.checkpoint("things", first, state(1))
        dest.checkpoint("things", second, state(2))
        assert dest.resume_state("things", WriteMode.APPEND) == state(2)
    assert [(r["uuid"], r["plan"], r["region"]) for r in rows(url, "things")] == [
        ("a", "gold", None),
        ("b", "silver", "eu"),
    ]


def test_a_batch_prepared_before_a_failed_write_is_refused(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        first = dest.prepare("things", batch({"uuid": "a", "brand_new": "x"}))
        second = dest.prepare("things", batch({"uuid": "b", "brand_new": "y"}))
        unserialisable = {"type": "STREAM", "stream": {"stream_state": {"n": object()}}}
        with pytest.raises(TypeError):
            dest.checkpoint("things", first, unserialisable)
        # `second` counts on the column the rolled-back write added: writing it would fail.
        with pytest.raises(DestinationError, match="prepared before a failed write"):
            dest.checkpoint("things", second, state(2))
        dest.checkpoint("things", batch({"uuid": "b", "brand_new": "y"}), state(2))  # prepared again
        assert dest.resume_state("things", WriteMode.APPEND) == state(2)
    assert [(r["uuid"], r["brand_new"]) for r in rows(url, "things")] == [("b", "y")]


def test_a_prepared_batch_only_goes_to_its_stream(url):
    other = StreamSpec("others", SCHEMA)
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.begin_stream(other, WriteMode.APPEND, sync_id="s1", resume=True)
        prepared = dest.prepare("things", batch({"uuid": "a"}))
        with pytest.raises(DestinationError, match="prepared for 'things'"):
            dest.checkpoint("others", prepared, state(1))
    assert rows(url, "others") == []


def test_duckdb_compresses_each_row_group_during_the_sync(tmp_path, monkeypatch):
    """Once a row group's worth of rows is committed, DuckDB checkpoints on the writer's thread
    (the WAL empties); later deletes and appends still land right."""
    from mogul.sync.destinations import duckdb as duckdb_destination

    path = tmp_path / "sync.duckdb"
    wal = tmp_path / "sync.duckdb.wal"
    url = f"duckdb:///{path}"
    with connect(url) as dest:
        monkeypatch.setattr(duckdb_destination, "ROW_GROUP_ROWS", 3)  # after the file's own is set
        dest.begin_stream(SPEC, WriteMode.APPEND_DEDUP, sync_id="s1", resume=True)
        dest.checkpoint("things", batch({"uuid": "a", "seats": 1}, {"uuid": "b", "seats": 1}), state(1))
        assert wal.exists() and wal.stat().st_size > 0  # 2 rows: still in the WAL only
        dest.checkpoint("things", batch({"uuid": "c", "seats": 1}, {"uuid": "d", "seats": 1}), state(2))
        assert not wal.exists() or wal.stat().st_size == 0  # 4 rows: checkpointed
        dest.checkpoint("things", batch({"uuid": "a", "seats": 2}, {"uuid": "e", "seats": 2}), state(3))
        dest.finish_stream("things", batch({"uuid": "c", "seats": 3}), state(4))
        assert dest.resume_state("things", WriteMode.APPEND_DEDUP) == state(4)
    monkeypatch.undo()
    table = rows(url, "things")
    assert [(r["uuid"], r["seats"]) for r in table] == [("a", "2"), ("b", "1"), ("c", "3"), ("d", "1"), ("e", "2")]


def test_duckdb_writes_whole_row_groups_straight_to_the_file(tmp_path):
    """A commit of at least a row group's worth of rows skips the WAL (DuckDB writes it compressed
    into the file): no checkpoint is owed for it, and rows and state still commit together. The
    partial row group each such commit ends with is kept as it is at the close, not merged with
    its neighbours by a vacuum that would compress them all again."""
    from mogul.sync.destinations.duckdb import ROW_GROUP_ROWS

    path = tmp_path / "sync.duckdb"
    wal = tmp_path / "sync.duckdb.wal"
    url = f"duckdb:///{path}"
    size = ROW_GROUP_ROWS + 10
    with connect(url) as dest:
        # The runner's default for this destination: whole row groups.
        assert dest.checkpoint_rows >= ROW_GROUP_ROWS and dest.checkpoint_rows % ROW_GROUP_ROWS == 0
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        for n in range(2):
            things = ({"uuid": f"u{n}-{i}", "seats": i} for i in range(size))
            dest.checkpoint("things", batch(*things), state(n + 1))
            assert wal.stat().st_size < 64 * 1024  # block pointers and the state row, not the rows
            assert dest._uncheckpointed == 0  # type: ignore[attr-defined]
        dest.checkpoint("things", batch({"uuid": "last", "seats": -1}), state(3))
        assert dest._uncheckpointed == 1  # type: ignore[attr-defined]
        assert dest.resume_state("things", WriteMode.APPEND) == state(3)
    with duckdb.connect(str(path)) as con:
        count, total = con.execute('SELECT count(*), sum(seats) FROM "things"').fetchone()
        groups = con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('things')").fetchone()
        largest = con.execute("SELECT max(count) FROM pragma_storage_info('things')").fetchone()[0]
    assert (count, total) == (2 * size + 1, size * (size - 1) - 1)
    assert largest == ROW_GROUP_ROWS  # the file was attached with mogul's row group size
    # Each commit's partial row group stays where it was written; a vacuum would have merged them
    # (three groups), compressing the full groups next to them a second time.
    assert groups[0] >= 4


def test_postgres_keeps_the_default_transaction_size():
    from mogul.sync.destinations.postgres import PostgresDestination
    from mogul.sync.destinations.sql import DEFAULT_CHECKPOINT_ROWS

    assert PostgresDestination.checkpoint_rows == DEFAULT_CHECKPOINT_ROWS == 20_000


def test_parts_written_ahead_commit_only_with_their_checkpoint(url):
    """`write` leaves its transaction open: a reader sees the parts only once the checkpoint that
    follows commits them with its state; a new column and a newer duplicate key in a later part
    apply inside the same transaction."""
    with connect(url) as dest, connect(url) as reader:
        dest.begin_stream(SPEC, WriteMode.APPEND_DEDUP, sync_id="s1", resume=True)
        dest.checkpoint("things", batch({"uuid": "a", "seats": 1}), state(1))
        dest.write("things", batch({"uuid": "b", "seats": 1}, {"uuid": "c", "seats": 1}))
        dest.write("things", batch({"uuid": "a", "seats": 2, "plan": "gold"}))
        assert reader.stored_states()["things"].state == state(1)
        dest.checkpoint("things", batch({"uuid": "b", "seats": 3}), state(2))
        assert dest.resume_state("things", WriteMode.APPEND_DEDUP) == state(2)
    table = rows(url, "things")
    assert [(r["uuid"], r["seats"], r["plan"]) for r in table] == [
        ("a", "2", "gold"),
        ("b", "3", None),
        ("c", "1", None),
    ]


def test_a_failed_checkpoint_rolls_back_the_parts_before_it(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.checkpoint("things", batch({"uuid": "a"}), state(1))
        dest.write("things", batch({"uuid": "b", "brand_new": "x"}))
        unserialisable = {"type": "STREAM", "stream": {"stream_state": {"n": object()}}}
        with pytest.raises(TypeError):
            dest.checkpoint("things", batch({"uuid": "c"}), unserialisable)
        assert dest.resume_state("things", WriteMode.APPEND) == state(1)
        # The part's column went with it: a later batch adds it again, in a transaction of its own.
        dest.checkpoint("things", batch({"uuid": "d", "brand_new": "y"}), state(2))
    assert [(r["uuid"], r["brand_new"]) for r in rows(url, "things")] == [("a", None), ("d", "y")]


def test_a_failed_part_rolls_back_and_refuses_what_was_prepared_after_it(url):
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.write("things", batch({"uuid": "a", "extra": 1}))
        failing = dest.prepare("things", batch({"uuid": "b", "other": 1}))
        later = dest.prepare("things", batch({"uuid": "c", "third": 1}))
        # The fault: the open transaction's table no longer has the columns the part was planned on.
        dest._open.columns = {**dest._open.columns, "bogus": "string"}  # type: ignore[attr-defined, union-attr]
        with pytest.raises(DestinationError, match="prepared before a failed write"):
            dest.write("things", failing)
        with pytest.raises(DestinationError, match="prepared before a failed write"):
            dest.checkpoint("things", later, state(1))
        assert dest.resume_state("things", WriteMode.APPEND) is None
        dest.checkpoint("things", batch({"uuid": "d"}), state(2))
    assert [r["uuid"] for r in rows(url, "things")] == ["d"]
    assert "extra" not in rows(url, "things")[0]


def test_parts_of_an_abandoned_batch_are_dropped(url):
    """Parts whose checkpoint never came (the sync failed between them) are rolled back when a
    stream begins, and a checkpoint of another stream never commits them."""
    other = StreamSpec("others", SCHEMA, primary_key=(("uuid",),), supported_sync_modes=("incremental",))
    with connect(url) as dest:
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.begin_stream(other, WriteMode.APPEND, sync_id="s1", resume=True)
        dest.write("things", batch({"uuid": "lost"}))
        with pytest.raises(DestinationError, match="a transaction of 'things' was open"):
            dest.checkpoint("others", batch({"uuid": "x"}), state(1))
        dest.write("things", batch({"uuid": "lost too"}))
        dest.begin_stream(SPEC, WriteMode.APPEND, sync_id="s2", resume=True)
        dest.checkpoint("things", batch({"uuid": "kept"}), state(2))
    assert [r["uuid"] for r in rows(url, "things")] == ["kept"]
    assert rows(url, "others") == []
