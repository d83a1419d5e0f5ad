"""AirbyteMessage dicts, exactly as the Airbyte protocol spells them.

Builders only: they return plain dicts so an in-process consumer (mogul sync) uses them as they
are and the entrypoint serialises them with orjson.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from .records import Record, decode

Message = dict[str, Any]

FAILURE_TYPES = ("system_error", "config_error", "transient_error")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def record(stream: str, data: dict[str, Any], emitted_at: int) -> Message:
    return {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": emitted_at}}


@dataclass(frozen=True, slots=True)
class RecordBatch:
    """One page of records, each the JSON text the API sent. `read()` expands it into RECORD messages; the
    entrypoint writes it in one go."""

    stream: str
    texts: list[Record]
    emitted_at: int

    @property
    def records(self) -> list[dict[str, Any]]:
        """The records as dicts (decoded at each call)."""
        return decode(self.texts)

    def messages(self) -> Iterator[Message]:
        for data in self.records:
            yield record(self.stream, data, self.emitted_at)

    def lines(self) -> bytes:
        """The RECORD messages, one a line: each record's text as it came, unless it holds a line break (JSON
        whitespace, which the API may format with), when it is written again without one."""
        texts = self.texts
        if not texts:
            return b""
        if any(b"\n" in text or b"\r" in text for text in texts):
            texts = [orjson.dumps(orjson.loads(text)) for text in texts]
        head = b'{"type":"RECORD","record":{"stream":' + orjson.dumps(self.stream) + b',"data":'
        tail = b',"emitted_at":' + str(self.emitted_at).encode() + b"}}\n"
        return b"".join((head, (tail + head).join(texts), tail))


def stream_state(stream: str, state: dict[str, Any], record_count: int) -> Message:
    return {
        "type": "STATE",
        "state": {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": stream}, "stream_state": state},
            # A float on purpose: the protocol types recordCount as a number "to account for integer overflows".
            "sourceStats": {"recordCount": float(record_count)},
        },
    }


def stream_status(stream: str, status: str, *, quota_reset_ms: float | None = None) -> Message:
    body: dict[str, Any] = {"stream_descriptor": {"name": stream}, "status": status}
    if quota_reset_ms is not None:
        body["reasons"] = [{"type": "RATE_LIMITED", "rate_limited": {"quota_reset": int(quota_reset_ms)}}]
    return {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": float(now_ms()), "stream_status": body}}


def error_trace(
    message: str,
    failure_type: str,
    *,
    internal_message: str | None = None,
    stream: str | None = None,
    stack_trace: str | None = None,
) -> Message:
    assert failure_type in FAILURE_TYPES, failure_type
    error: dict[str, Any] = {"message": message, "failure_type": failure_type}
    if internal_message:
        error["internal_message"] = internal_message
    if stack_trace:
        error["stack_trace"] = stack_trace
    if stream:
        error["stream_descriptor"] = {"name": stream}
    return {"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": float(now_ms()), "error": error}}


def estimate_trace(stream: str, row_estimate: int) -> Message:
    return {
        "type": "TRACE",
        "trace": {
            "type": "ESTIMATE",
            "emitted_at": float(now_ms()),
            "estimate": {"name": stream, "type": "STREAM", "row_estimate": row_estimate},
        },
    }


def log(level: str, message: str) -> Message:
    return {"type": "LOG", "log": {"level": level, "message": message}}


def spec_message(spec: dict[str, Any]) -> Message:
    return {"type": "SPEC", "spec": spec}


def connection_status(succeeded: bool, message: str | None = None) -> Message:
    status: dict[str, Any] = {"status": "SUCCEEDED" if succeeded else "FAILED"}
    if message:
        status["message"] = message
    return {"type": "CONNECTION_STATUS", "connectionStatus": status}


def catalog_message(streams: list[dict[str, Any]]) -> Message:
    return {"type": "CATALOG", "catalog": {"streams": streams}}
