"""Column types: from a stream's JSON schema, from a table, and guessed from unexpected values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

EXTRACTED_AT = "_mogul_extracted_at"
SYNC_ID = "_mogul_sync_id"
META_COLUMNS = (EXTRACTED_AT, SYNC_ID)


class ColumnType(StrEnum):
    """The few types a column can have; each destination names them in its own SQL dialect."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DATE = "date"
    JSON = "json"


Columns = dict[str, ColumnType]  # ordered: the table's column order


def data_names(columns: Columns) -> list[str]:
    """The columns that records fill, in table order: all but mogul's own."""
    return [name for name in columns if name not in META_COLUMNS]


def schema_type(prop: Any) -> ColumnType:
    """The column type for one JSON-schema property. Anything ambiguous becomes JSON, which holds
    every value without loss."""
    if not isinstance(prop, Mapping):
        return ColumnType.JSON
    declared = prop.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    types.discard("null")
    if types == {"string"}:
        fmt = prop.get("format")
        if fmt == "date-time":
            return ColumnType.TIMESTAMP
        if fmt == "date":
            return ColumnType.DATE
        return ColumnType.STRING
    if types == {"integer"}:
        return ColumnType.INTEGER
    if types and types <= {"integer", "number"}:
        return ColumnType.NUMBER
    if types == {"boolean"}:
        return ColumnType.BOOLEAN
    return ColumnType.JSON


def schema_columns(json_schema: Mapping[str, Any]) -> Columns:
    """The data columns of a stream, in schema order, followed by the two bookkeeping columns."""
    props = json_schema.get("properties")
    columns: Columns = {}
    if isinstance(props, Mapping):
        for name, prop in props.items():
            if name not in META_COLUMNS:
                columns[str(name)] = schema_type(prop)
    columns[EXTRACTED_AT] = ColumnType.TIMESTAMP
    columns[SYNC_ID] = ColumnType.STRING
    return columns


def infer_type(values: Iterable[Any]) -> ColumnType:
    """The type of a column the schema did not declare. Only values that fit a scalar type exactly
    get one; mixed or nested values become JSON."""
    seen: set[type] = set()
    for value in values:
        if value is not None:
            seen.add(type(value))
    if not seen:
        return ColumnType.JSON
    if seen == {str}:
        return ColumnType.STRING
    if seen == {bool}:
        return ColumnType.BOOLEAN
    if seen == {int}:
        return ColumnType.INTEGER
    if seen <= {int, float}:
        return ColumnType.NUMBER
    return ColumnType.JSON
