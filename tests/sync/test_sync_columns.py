"""Column types from JSON schemas and from values; values made to fit their column."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mogul.sync.columns import ColumnType, infer_type, schema_columns, schema_type
from mogul.sync.destinations.arrow import arrow_column
from mogul.sync.values import (
    PYTHON_CONVERTERS,
    json_column,
    to_boolean,
    to_date,
    to_datetime,
    to_integer,
    to_number,
    to_string,
)


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"type": "string"}, ColumnType.STRING),
        ({"type": ["null", "string"]}, ColumnType.STRING),
        ({"type": ["string", "null"], "format": "date-time"}, ColumnType.TIMESTAMP),
        ({"type": "string", "format": "date"}, ColumnType.DATE),
        ({"type": "string", "format": "email"}, ColumnType.STRING),
        ({"type": ["null", "integer"]}, ColumnType.INTEGER),
        ({"type": "number"}, ColumnType.NUMBER),
        ({"type": ["integer", "number", "null"]}, ColumnType.NUMBER),
        ({"type": "boolean"}, ColumnType.BOOLEAN),
        ({"type": ["null", "object"], "properties": {}}, ColumnType.JSON),
        ({"type": "array", "items": {"type": "string"}}, ColumnType.JSON),
        ({"type": ["string", "integer"]}, ColumnType.JSON),  # ambiguous: JSON holds both
        ({}, ColumnType.JSON),
        ({"anyOf": [{"type": "string"}]}, ColumnType.JSON),
        ("not a schema", ColumnType.JSON),
    ],
)
def test_schema_types(prop, expected):
    assert schema_type(prop) is expected


def test_schema_columns_keep_names_verbatim_and_add_bookkeeping():
    columns = schema_columns({"properties": {"customer-since": {"type": "string", "format": "date-time"}}})
    assert list(columns) == ["customer-since", "_mogul_extracted_at", "_mogul_sync_id"]
    assert columns["_mogul_extracted_at"] is ColumnType.TIMESTAMP


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a", None], ColumnType.STRING),
        ([1, 2], ColumnType.INTEGER),
        ([1, 2.5], ColumnType.NUMBER),
        ([True, None], ColumnType.BOOLEAN),
        ([True, 1], ColumnType.JSON),
        ([{"a": 1}], ColumnType.JSON),
        (["a", 1], ColumnType.JSON),
        ([None, None], ColumnType.JSON),
    ],
)
def test_undeclared_fields_get_an_exact_type_or_json(values, expected):
    assert infer_type(values) is expected


def test_conversions_are_lossless_or_null():
    assert to_integer(3.0) == 3 and to_integer("12") == 12
    assert to_integer(2.5) is None and to_integer("x") is None and to_integer(2**63) is None
    assert to_number("1.5") == 1.5 and to_number(2) == 2.0 and to_number([1]) is None
    assert to_boolean("TRUE") is True and to_boolean(0) is False and to_boolean("yes") is None
    assert to_string(12) == "12" and to_string({"a": [1]}) == '{"a":[1]}'
    assert to_datetime("2024-01-05T01:00:00+01:00") == datetime(2024, 1, 5, tzinfo=UTC)
    assert to_datetime("2024-01-05 10:00:00") == datetime(2024, 1, 5, 10, tzinfo=UTC)  # no offset: UTC
    assert to_datetime("yesterday") is None and to_datetime(12) is None
    assert to_date("2024-02-29") == date(2024, 2, 29)
    assert to_date("2024-02-29T23:00:00Z") == date(2024, 2, 29)
    assert to_date("2024-02-30") is None


def test_json_text_survives_what_orjson_refuses():
    texts = json_column([2**70, None, {"d": date(2024, 1, 1)}])
    assert texts == ["1180591620717411303424", None, '{"d":"2024-01-01"}']
    # The fallback for big integers still writes valid JSON: NaN becomes null, as orjson does.
    odd = {"big": 2**70, "nan": float("nan"), "inf": [float("-inf"), 1.5]}
    assert json_column([odd]) == ['{"big":1180591620717411303424,"nan":null,"inf":[null,1.5]}']


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.dates())))
def test_every_column_type_accepts_any_value(values):
    """Never fail a sync: whatever arrives, each type's conversion yields a value or NULL."""
    for column_type in ColumnType:
        assert len(arrow_column(list(values), column_type)) == len(values)
        converted = [PYTHON_CONVERTERS[column_type](v) for v in values]
        assert len(converted) == len(values)


def test_arrow_columns_take_the_fast_path_only_when_exact():
    assert arrow_column([1, None, 3], ColumnType.INTEGER).to_pylist() == [1, None, 3]
    assert arrow_column([1, 2.5], ColumnType.INTEGER).to_pylist() == [1, None]  # never truncated
    assert arrow_column(["a", 7], ColumnType.STRING).to_pylist() == ["a", "7"]
    moment = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    assert arrow_column([moment], ColumnType.TIMESTAMP).to_pylist() == ["2024-01-01T00:00:00+02:00"]
