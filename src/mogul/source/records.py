"""The reader's one record form: the JSON text the API sent for the record.

A read moves tens of thousands of records of which it looks at one or two keys (a customer's `uuid`, an
activity's `date`): those are read with msgspec, which skips the rest of the text, and the text is written to
stdout as it came. Decoding every record into a dict and encoding it again cost a customer-heavy read held at
ChartMogul's rate limit about a fifth of its CPU. Dicts are made where a consumer wants them
(`RecordBatch.records`: `mogul sync`, the Singer tap, dlt), one page at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

Record = bytes
"""One record: a JSON object, as the API sent it."""


@functools.cache
def keys_reader(field: str) -> Callable[[Record], tuple[Any, Any]]:
    """A function giving a record's `uuid` and `field` (None where absent, or where the record is no object)."""
    if field == "uuid":
        return lambda record: (uuid_of(record),) * 2
    keys = msgspec.defstruct("Keys", [("uuid", Any, None), ("value", Any, None)], rename={"value": field})
    decode = msgspec.json.Decoder(keys).decode

    def read(record: Record) -> tuple[Any, Any]:
        try:
            found = decode(record)
        except msgspec.ValidationError:
            return None, None
        return getattr(found, "uuid"), getattr(found, "value")  # noqa: B009 (a struct made at run time)

    return read


class _Uuid(msgspec.Struct):
    uuid: Any = None


_read_uuid = msgspec.json.Decoder(_Uuid).decode


def uuid_of(record: Record) -> Any:
    """The record's `uuid` (None where absent, or where the record is no object)."""
    try:
        return _read_uuid(record).uuid
    except msgspec.ValidationError:
        return None


def with_key(record: Record, key: str, value: Any) -> Record:
    """The record with `key` set to `value` (replaced where it was there, else added last)."""
    data = orjson.loads(record)
    data[key] = value
    return orjson.dumps(data)


def decode(records: list[Record]) -> list[dict[str, Any]]:
    """The records as dicts, in one call for the page."""
    return orjson.loads(b"[" + b",".join(records) + b"]") if records else []
