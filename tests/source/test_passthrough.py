"""Records passed through as the API's bytes (passthrough.py): what passes, what falls back to decoding,
and that `read` writes the same records either way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from mogul.source import discover, read
from mogul.source.connector import read_batches
from mogul.source.passthrough import Entry, decode_page
from mogul.source.protocol import RecordBatch

from .fake_api import API_KEY, FakeServer, generate
from .helpers import configured

CUSTOMER = {"uuid": "cus_1", "name": "Zoë", "raw": "not the bytes", "attributes": {"uuid": "nested", "tags": []}}
ACTIVITY = {"uuid": "act_1", "date": "2024-01-02T03:04:05+00:00", "activity-mrr": 5000}


def body(items: list[Any], *, key: str = "entries", has_more: bool = True, cursor: str | None = "c2") -> bytes:
    return orjson.dumps({key: items, "has_more": has_more, "cursor": cursor})


def test_a_page_passes_through_with_each_records_own_bytes() -> None:
    page = decode_page(body([CUSTOMER, ACTIVITY]), "entries")
    assert page is not None
    assert [type(item) for item in page.items] == [Entry, Entry]
    assert [item.record() for item in page.items] == [CUSTOMER, ACTIVITY]
    # The record's own "raw" key and a nested "uuid" fill neither the bytes nor the top-level field.
    assert page.items[0].get("uuid") == "cus_1" and page.items[0].get("date") is None
    assert page.items[1].get("date") == ACTIVITY["date"] and page.items[1].get("missing", 7) == 7
    assert (page.has_more, page.cursor) == (True, "c2")


def test_other_records_keys_and_a_last_page() -> None:
    page = decode_page(body([{"uuid": "pl_1"}], key="plans", has_more=False, cursor=None), "plans")
    assert page is not None and [e.get("uuid") for e in page.items] == ["pl_1"] and not page.has_more
    # has_more without a cursor cannot be followed: the same rule as the dict path (client/pagination.py).
    page = decode_page(body([], has_more=True, cursor=None), "entries")
    assert page is not None and page.items == [] and not page.has_more


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"entries": [CUSTOMER], "has_more": False}, indent=2).encode(),  # a line break would split a record
        body([CUSTOMER]).replace(b",", b",\r", 1),
        body([{"uuid": "cus_1", "name": "x"}]).replace(b'"x"', b'"\xff\xfe"'),  # not UTF-8: orjson refuses it
        body([1, "two"]),  # records that are not objects
        body([{"uuid": "a"}]).replace(b'[{"uuid":"a"}]', b"null"),
        b'[{"uuid":"a"}]',
        b'{"entries":[{"uuid":',  # truncated
        b"",
    ],
    ids=[
        "pretty-printed",
        "carriage-return",
        "not-utf8",
        "not-objects",
        "null-entries",
        "not-an-object",
        "truncated",
        "empty",
    ],
)
def test_pages_that_cannot_pass_through_are_left_to_the_usual_decoding(raw: bytes) -> None:
    assert decode_page(raw, "entries") is None


def test_valid_utf8_beyond_ascii_passes_through() -> None:
    page = decode_page(body([{"uuid": "cus_é", "name": "Zoë 😀"}]), "entries")
    assert page is not None and page.items[0].get("uuid") == "cus_é"


def test_a_batch_of_entries_writes_the_same_messages_as_a_batch_of_dicts() -> None:
    page = decode_page(body([CUSTOMER, ACTIVITY]), "entries")
    assert page is not None
    entries, dicts = RecordBatch("s", page.items, 123), RecordBatch("s", [CUSTOMER, ACTIVITY], 123)
    assert entries.lines().count(b"\n") == 2 and entries.lines().endswith(b"\n")
    assert [orjson.loads(line) for line in entries.lines().splitlines()] == list(dicts.messages())
    assert list(entries.messages()) == list(dicts.messages())
    assert RecordBatch("s", [], 1).lines() == b""
    one = RecordBatch("s", page.items[:1], 5).lines()
    assert one == orjson.dumps(next(RecordBatch("s", [CUSTOMER], 5).messages())) + b"\n"


def _records_written(config: dict[str, Any], catalog: dict[str, Any]) -> tuple[dict[str, list[Any]], set[type]]:
    """What `source-chartmogul read` writes (passthrough on), decoded line by line, per stream; and the kinds
    of batch it wrote (`Entry`: passed through, `dict`: decoded as usual)."""
    out: dict[str, list[Any]] = {}
    kinds = set()
    for message in read_batches(config, catalog, passthrough=True):
        if isinstance(message, RecordBatch):
            kinds.add(type(message.records[0]))
            for line in message.lines().splitlines(keepends=True):
                assert line.endswith(b"}}\n") and b"\n" not in line[:-1]
                record = orjson.loads(line)["record"]
                out.setdefault(record["stream"], []).append(record["data"])
    return out, kinds


def _records_read(config: dict[str, Any], catalog: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for message in read(config, catalog):
        if message["type"] == "RECORD":
            out.setdefault(message["record"]["stream"], []).append(message["record"]["data"])
    return out


def _by_key(records: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    return {stream: {str(r.get("uuid") or r.get("date")): r for r in items} for stream, items in records.items()}


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer(generate(customers=40, activities=400, days=200)) as srv:
        yield srv


def _config(srv: FakeServer) -> dict[str, Any]:
    return {
        "api_key": API_KEY,
        "start_date": "2023-01-01T00:00:00Z",
        "base_url": srv.base_url,
        "lookback_window_days": 0,
    }


@pytest.mark.parametrize("pretty_every", [0, 2], ids=["all-pass-through", "every-second-page-pretty"])
def test_read_writes_the_records_the_in_process_read_yields(server: FakeServer, pretty_every: int) -> None:
    server.app.data.customers[0]["name"] = "Zoë Ünal"  # beyond ASCII, still passed through
    served = {"pages": 0}
    plain = server.app._page

    def page(key: str, items: list[dict[str, Any]], query: dict[str, str], **kw: Any) -> bytes:
        served["pages"] += 1
        raw = plain(key, items, query, **kw)
        if pretty_every and served["pages"] % pretty_every == 0:
            return json.dumps(json.loads(raw), indent=1, ensure_ascii=False).encode()
        return raw

    server.app._page = page  # type: ignore[method-assign]
    config = _config(server)
    catalog = configured(discover()["catalog"], only={"customers", "activities", "plans", "invoices"})
    (written, kinds), yielded = _records_written(config, catalog), _records_read(config, catalog)
    assert served["pages"] > 10
    assert kinds == ({Entry, dict} if pretty_every else {Entry})
    assert set(written) == {"customers", "activities", "plans", "invoices"}
    assert _by_key(written) == _by_key(yielded)
    assert sum(map(len, written.values())) == sum(map(len, yielded.values()))
    assert any(c["name"] == "Zoë Ünal" for c in written["customers"])
