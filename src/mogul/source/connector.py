"""The four protocol commands as Python functions; `entrypoint.py` only serialises what they return.

`read()` is a generator of AirbyteMessage dicts that `mogul sync` consumes in-process. When a stream
fails it yields the TRACE ERROR and an INCOMPLETE status, carries on with the other streams, and
raises `ReadFailed` once everything else is done.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..client import Client, RetryPolicy
from . import protocol
from .catalog import parse_catalog, parse_state
from .config import SPEC, ConfigError, parse_config
from .errors import ReadFailed, classify
from .protocol import Message, RecordBatch
from .reader import Reader
from .streams import STREAMS

# `check` answers within CAT's 30 s even against a host that drops packets, yet rides out a few transient
# failures (a 500, a reset, a 429) as a read does: `mogul sync` runs it before every sync. Short backoff, so a
# refused connection (a typo in base_url) still fails in a second or two.
CHECK_RETRY = RetryPolicy(max_attempts=5, max_elapsed=10.0, initial_delay=0.2, max_delay=2.0)
CHECK_TIMEOUT = 8.0


def spec() -> Message:
    return protocol.spec_message(SPEC)


def check(config: dict[str, Any]) -> Message:
    """CONNECTION_STATUS: SUCCEEDED, or FAILED with a message saying what to fix. Never raises."""
    try:
        cfg = parse_config(config)
    except ConfigError as exc:
        return protocol.connection_status(False, f"Invalid config: {exc}")
    try:
        with Client(cfg.api_key, cfg.base_url, retry=CHECK_RETRY, timeout=CHECK_TIMEOUT) as client:
            client.ping()
    except Exception as exc:
        failure = classify(exc, cfg.base_url, cfg.api_key)
        return protocol.connection_status(False, failure.message)
    return protocol.connection_status(True)


def discover(config: dict[str, Any] | None = None) -> Message:
    """The catalog. The streams do not depend on the account, so no request is made; a config, when
    given, is still validated so that a broken one is reported here rather than at the first read."""
    if config is not None:
        parse_config(config)
    return protocol.catalog_message([stream.airbyte_stream() for stream in STREAMS])


def read_batches(
    config: dict[str, Any],
    catalog: dict[str, Any],
    state: list[Any] | dict[str, Any] | None = None,
) -> Iterator[Message | RecordBatch]:
    """`read()` with each page of records as one `RecordBatch`: for writers that serialise in bulk."""
    secret = config.get("api_key") if isinstance(config, dict) else None
    try:
        cfg = parse_config(config)
        selected, notes = parse_catalog(catalog)
        states = parse_state(state)
    except Exception as exc:
        failure = classify(exc, secret=secret if isinstance(secret, str) else None)
        yield protocol.error_trace(failure.message, failure.failure_type, internal_message=failure.internal_message)
        raise ReadFailed(failure.message, failure.failure_type) from None
    for note in notes:
        yield protocol.log("INFO", note)
    reader = Reader(cfg, selected, states)
    yield from reader.messages()
    _raise_if_failed(reader)


def read(
    config: dict[str, Any], catalog: dict[str, Any], state: list[Any] | dict[str, Any] | None = None
) -> Iterator[Message]:
    """RECORD, STATE, TRACE and LOG messages; raises `ReadFailed` at the end if any stream failed."""
    for message in read_batches(config, catalog, state):
        if isinstance(message, RecordBatch):
            yield from message.messages()
        else:
            yield message


def _raise_if_failed(reader: Reader) -> None:
    if reader.failures:
        names = ", ".join(name for name, _ in reader.failures)
        kinds = {kind for _, kind in reader.failures}
        failure_type = "config_error" if "config_error" in kinds else sorted(kinds)[-1]
        raise ReadFailed(f"streams failed: {names}", failure_type)
