"""Records to Arrow arrays for DuckDB: the fast paths give exactly what value-by-value conversion gives."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import orjson
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mogul.sync.batch import Batch
from mogul.sync.columns import ColumnType
from mogul.sync.destinations.arrow import JSON_TYPE, arrow_column, json_array, record_arrays
from mogul.sync.values import TEXT_TEMPORAL_CONVERTERS, json_bytes

COLUMNS = {
    "s": ColumnType.STRING,
    "i": ColumnType.INTEGER,
    "n": ColumnType.NUMBER,
    "b": ColumnType.BOOLEAN,
    "t": ColumnType.TIMESTAMP,
    "d": ColumnType.DATE,
    "j": ColumnType.JSON,
}


def reference(values: list[Any], column_type: ColumnType) -> list[Any]:
    """What a column holds when every value goes through its converter alone."""
    if column_type is ColumnType.JSON:
        return [None if v is None else json.loads(json_bytes(v)) for v in values]
    return [TEXT_TEMPORAL_CONVERTERS[column_type](v) for v in values]


def as_python(array: pa.Array, column_type: ColumnType) -> list[Any]:
    if column_type is ColumnType.JSON:
        return [None if text is None else json.loads(text) for text in array.storage.to_pylist()]
    return array.to_pylist()


def test_json_texts_with_nulls_line_breaks_and_unicode():
    values = [{"a": [1, None]}, None, "two\nlines\r", "é ✓", [], None, {"null": None}, 0, "null"]
    array = json_array(values)
    assert array.type == JSON_TYPE and array.null_count == 2
    texts = array.storage.to_pylist()
    assert texts[1] is None and texts[5] is None
    assert texts[2] == '"two\\nlines\\r"' and texts[8] == '"null"'
    assert [None if t is None else orjson.loads(t) for t in texts] == values


def test_json_texts_of_what_msgspec_cannot_encode_come_from_the_fallback():
    odd = object()
    texts = json_array([{"o": odd}, {"d": date(2024, 1, 2)}, None]).storage.to_pylist()
    assert texts == [orjson.dumps({"o": str(odd)}).decode(), '{"d":"2024-01-02"}', None]
    assert json_array([]).storage.to_pylist() == []
    assert json_array([None, None]).null_count == 2


def test_a_wrong_type_in_a_strict_column_converts_that_way_and_integers_never_truncate():
    records = [
        {"s": "a", "i": 1, "n": 1.5, "b": True, "t": "2024-01-01T00:00:00Z", "d": "2024-01-01", "j": {"k": 1}},
        {"s": 7, "i": 2.5, "n": "3", "b": "false", "t": None, "extra": "ignored"},
        {},
    ]
    arrays = record_arrays(Batch(records, [0, 0, 0]), list(COLUMNS), COLUMNS)
    got = {name: as_python(array, kind) for (name, kind), array in zip(COLUMNS.items(), arrays, strict=True)}
    assert got == {
        "s": ["a", "7", None],
        "i": [1, None, None],
        "n": [1.5, 3.0, None],
        "b": [True, False, None],
        "t": ["2024-01-01T00:00:00Z", None, None],
        "d": ["2024-01-01", None, None],
        "j": [{"k": 1}, None, None],
    }


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(), st.dates())
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=3), scalars, max_size=3))


# No deadline: a property of the conversion, not of its speed (a loaded machine took 318 ms for one example).
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from([*COLUMNS, "other"]), values), max_size=20))
def test_record_arrays_match_converting_each_value(records):
    arrays = record_arrays(Batch(records, [0] * len(records)), list(COLUMNS), COLUMNS)
    for (name, kind), array in zip(COLUMNS.items(), arrays, strict=True):
        column = [record.get(name) for record in records]
        assert as_python(array, kind) == reference(column, kind), name
        assert as_python(arrow_column(column, kind), kind) == reference(column, kind), name


typed = st.fixed_dictionaries(
    {},
    optional={
        "s": st.one_of(st.none(), st.text()),
        "i": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
        "n": st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-(2**53), 2**53)),
        "b": st.one_of(st.none(), st.booleans()),
        "t": st.one_of(st.none(), st.text(max_size=30)),
        "j": values,
    },
)


@given(st.lists(typed, max_size=20))
def test_well_typed_records_take_the_struct_path_and_match(records):
    arrays = record_arrays(Batch(records, [0] * len(records)), list(COLUMNS), COLUMNS)
    for (name, kind), array in zip(COLUMNS.items(), arrays, strict=True):
        assert as_python(array, kind) == reference([record.get(name) for record in records], kind), name


def test_only_json_columns_are_extracted_when_the_types_are_right(monkeypatch):
    from mogul.sync.destinations import arrow

    extracted: list[ColumnType] = []
    original = arrow.arrow_column
    monkeypatch.setattr(arrow, "arrow_column", lambda v, kind: extracted.append(kind) or original(v, kind))

    def converted(*records: dict[str, Any]) -> list[ColumnType]:
        extracted.clear()
        arrays = record_arrays(Batch(list(records), [0] * len(records)), list(COLUMNS), COLUMNS)
        assert arrays[1].to_pylist()[0] == 1 and arrays[1].type == pa.int64()
        return extracted

    good = {"s": "a", "i": 1, "n": 2.0, "b": False, "t": "2024-01-01", "d": None, "j": [1]}
    assert converted(good, {}) == [ColumnType.JSON]
    # A fraction, or an integer float64 cannot hold: that column alone goes value by value.
    assert converted(good, {"i": 2.5}) == [ColumnType.INTEGER, ColumnType.JSON]
    assert converted(good, {"i": 2**60 + 1}) == [ColumnType.INTEGER, ColumnType.JSON]
    assert converted(good, {"n": "x"}) == list(COLUMNS.values())  # any other odd value: every column


def test_several_json_columns_encode_together_and_apart_again():
    columns = {"a": ColumnType.JSON, "b": ColumnType.JSON, "c": ColumnType.STRING}
    records = [{"a": [1], "b": None, "c": "x"}, {"a": {"k": "v\n"}, "b": 2.5, "c": "y"}, {"a": None, "b": "null"}]
    arrays = record_arrays(Batch(records, [0, 0, 0]), list(columns), columns)
    assert [array.type for array in arrays[:2]] == [JSON_TYPE, JSON_TYPE]
    assert arrays[0].storage.to_pylist() == ["[1]", '{"k":"v\\n"}', None]
    assert arrays[1].storage.to_pylist() == [None, "2.5", '"null"']
    assert arrays[2].to_pylist() == ["x", "y", None]
    # A record without one of the JSON fields: each column on its own, with the same texts.
    missing = [*records, {"c": "z"}]
    arrays = record_arrays(Batch(missing, [0] * 4), list(columns), columns)
    assert arrays[0].storage.to_pylist() == ["[1]", '{"k":"v\\n"}', None, None]
    assert arrays[1].storage.to_pylist() == [None, "2.5", '"null"', None]
