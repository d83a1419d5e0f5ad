"""Hostile input: body size (413, while streaming), arrays, strings, NUL, query parameters, odd JSON; each a
clear 4xx in ChartMogul's shape, nothing stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from mogul.server.errors import ApiError
from mogul.server.limits import check_json
from mogul.server.settings import RequestLimits, ServerSettings, parse_size

from .conftest import StartServer, invoice

SMALL = ServerSettings(
    limits=RequestLimits(
        max_body_bytes=1000, max_array_items=5, max_string_length=300, max_query_params=4, max_query_length=50
    )
)


@pytest.fixture
def small(start_server: StartServer, rw_key: str) -> Iterator[httpx.Client]:
    srv = start_server(SMALL)
    with httpx.Client(base_url=srv.base_url + "/v1", auth=(rw_key, ""), timeout=30) as http:
        yield http


def _nothing_stored(http: httpx.Client) -> None:
    assert http.get("/data_sources").json() == {"data_sources": []}


def test_body_over_the_limit_is_413(small: httpx.Client) -> None:
    r = small.post("/data_sources", json={"name": "x", "pad": "y" * 1000})
    assert r.status_code == 413
    assert r.json() == {
        "code": 413,
        "message": "The request body is larger than the limit of 1000 bytes.",
        "param": None,
    }
    _nothing_stored(small)
    ok = small.post("/data_sources", json={"name": "x", "pad": "y" * 200})
    assert ok.status_code == 201


def test_chunked_body_over_the_limit_is_413(small: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "chunked", "pad": "'
        for _ in range(3):
            yield b"z" * 400
        yield b'"}'

    r = small.post("/data_sources", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == 413
    _nothing_stored(small)


def test_a_huge_streamed_body_is_refused_without_being_read(start_server: StartServer, rw_key: str) -> None:
    """1 GiB offered with no Content-Length: the server answers 413 after the first MiB and stops reading, so
    the client cannot push more than the limit plus what the sockets buffer."""
    srv = start_server(ServerSettings(limits=RequestLimits(max_body_bytes=parse_size("1MiB"))))
    url = urlsplit(srv.base_url)
    token = base64.b64encode(f"{rw_key}:".encode()).decode()
    head = (
        "POST /v1/data_sources HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Basic {token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"a" * 64 * 1024)
    sent, reply = 0, b""
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head)
        deadline = time.monotonic() + 60
        while sent < 1 << 30 and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 5)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(chunk)
                except OSError:
                    break
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in reply:
                data = sock.recv(65536)
                if not data:
                    break
                reply += data
        except OSError:
            pass
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"connection: close" in reply.lower()
    assert sent < 64 << 20, sent  # far from 1 GiB: the rest was never read


def test_declared_length_over_the_limit_is_413_before_reading(small: httpx.Client) -> None:
    r = small.post("/data_sources", content=b"{}" + b" " * 5000, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_too_many_array_items_is_400(small: httpx.Client) -> None:
    # The batch limit: as many invoices per import request as `max_array_items`.
    r = small.post("/data_sources", json={"name": "x", "invoices": [{"n": i} for i in range(6)]})
    assert r.status_code == 400
    assert r.json() == {
        "code": 400,
        "message": "invoices has 6 items; at most 5 are accepted per request.",
        "param": "invoices",
    }
    nested = small.post("/data_sources", json={"name": "x", "invoices": [{"line_items": [1] * 6}]})
    assert nested.json()["param"] == "invoices[0].line_items"
    _nothing_stored(small)
    assert small.post("/data_sources", json={"name": "x", "invoices": [1] * 5}).status_code == 201


def test_overlong_string_is_400(small: httpx.Client) -> None:
    r = small.post("/data_sources", json={"name": "n" * 301})
    assert r.status_code == 400
    assert r.json() == {"code": 400, "message": "name is longer than 300 characters.", "param": "name"}
    _nothing_stored(small)


def test_too_many_query_parameters_is_400(small: httpx.Client) -> None:
    r = small.get("/data_sources", params=[("name", str(i)) for i in range(5)])
    assert r.status_code == 400
    assert r.json() == {"code": 400, "message": "Too many query parameters: at most 4 are accepted.", "param": None}
    assert small.get("/data_sources", params=[("name", str(i)) for i in range(4)]).status_code == 200


def test_overlong_query_parameter_is_400_without_echoing_it(small: httpx.Client) -> None:
    r = small.get("/data_sources", params={"name": "secret" * 10})
    assert r.status_code == 400
    body = r.json()
    assert body == {
        "code": 400,
        "message": "A query parameter name or value is longer than 50 characters.",
        "param": "name",
    }
    assert small.get("/data_sources", params={"name": "n" * 50}).status_code == 200


# The rest run with the default limits, on both backends: PostgreSQL refuses NUL and overlong values with an
# error, so these are where a 500 would come from.


@pytest.mark.parametrize(
    "body",
    [{"name": "nul\x00name"}, {"name": "ok", "system": "a\x00b"}, {"name": "ok", "extra": ["\x00"]}, {"n\x00": 1}],
)
def test_nul_in_a_body_string_is_400(api: httpx.Client, body: dict) -> None:
    r = api.post("/data_sources", json=body)
    assert r.status_code == 400
    assert "NUL" in r.json()["message"]
    _nothing_stored(api)


def test_nul_in_the_url_is_400(api: httpx.Client) -> None:
    for params in ({"name": "a\x00b"}, {"sys\x00tem": "x"}):
        r = api.get("/data_sources", params=params)
        assert (r.status_code, r.json()["code"]) == (400, 400)
    r = api.get("/data_sources/ds_%00")
    assert (r.status_code, r.json()["code"]) == (400, 400)


def test_overlong_system_is_422_not_a_database_error(api: httpx.Client) -> None:
    r = api.post("/data_sources", json={"name": "x", "system": "s" * 65})
    assert r.status_code == 422
    assert r.json() == {"errors": {"system": "is too long (maximum is 64 characters)"}}
    assert api.post("/data_sources", json={"name": "x", "system": "s" * 64}).status_code == 201


def test_system_filter_has_no_wildcards(api: httpx.Client) -> None:
    api.post("/data_sources", json={"name": "a", "system": "Stripe"})
    for pattern in ("%", "_tripe", "Strip%", "\\", "Stripe\\"):
        r = api.get("/data_sources", params={"system": pattern})
        assert r.json() == {"data_sources": []}, pattern
    assert len(api.get("/data_sources", params={"system": "STRIPE"}).json()["data_sources"]) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "' + b"[" * 5000 + b'"}',  # a string that looks nested: fine, one string
        b'{"name": "x", "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"name": "\\ud800"}',
        b'{"name": "x", "big": 1e400}',
        b'{"name": "x", "n": NaN}',
        b'{"name": "x"} trailing',
    ],
    ids=["bracket-string", "deep-nesting", "lone-surrogate", "infinite-number", "nan", "trailing"],
)
def test_odd_json_is_a_4xx_never_a_500(api: httpx.Client, raw: bytes) -> None:
    r = api.post("/data_sources", content=raw, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["code" if "code" in r.json() else "errors"]


@pytest.mark.parametrize(("path", "key"), [("/plans", "plans"), ("/customers", "entries")])
def test_system_filters_of_lists_have_no_wildcards(
    api: httpx.Client, plan: dict, customer: dict, path: str, key: str
) -> None:
    # Before: ILIKE, so `%` matched every system and a trailing backslash was a PostgreSQL error (a 500).
    for pattern in ("%", "_ustom", "\\", "Custom\\"):
        r = api.get(path, params={"system": pattern})
        assert r.status_code == 200, (pattern, r.text)
        assert r.json()[key] == [], pattern
    assert len(api.get(path, params={"system": "custom"}).json()[key]) == 1


def test_integers_beyond_64_bits_are_400(api: httpx.Client) -> None:
    # orjson keeps 2**63 exact; SQLite and PostgreSQL would both fail on it with an error (a 500).
    r = api.post("/data_sources", content=b'{"name": "x", "n": 9223372036854775808}')
    assert r.status_code == 400
    assert r.json() == {"code": 400, "message": "n is out of range.", "param": "n"}


def test_integers_beyond_an_integer_column_are_422(api: httpx.Client, plan: dict, customer: dict) -> None:
    r = api.post(
        "/plans",
        json={
            "data_source_uuid": plan["data_source_uuid"],
            "name": "Big",
            "interval_count": 2**31,
            "interval_unit": "day",
        },
    )
    assert (r.status_code, r.json()) == (422, {"errors": {"interval_count": "must be a positive integer"}})
    item = {"type": "one_time", "amount_in_cents": 100, "quantity": 2**31, "description": "many"}
    body = {"invoices": [invoice(plan["uuid"], line_items=[item])]}
    r = api.post(f"/import/customers/{customer['uuid']}/invoices", json=body)
    assert r.status_code == 422, r.text
    assert api.get("/invoices").json()["invoices"] == []


@pytest.mark.parametrize("value", ["abc", "1_0", "+5", "٣", "0", "201", " ", "1.5"])
def test_per_page_is_ascii_digits_between_1_and_200(api: httpx.Client, value: str) -> None:
    r = api.get("/plans", params={"per_page": value})
    assert (r.status_code, r.json()["param"]) == (400, "per_page")


def test_page_is_bounded(api: httpx.Client) -> None:
    # An unbounded page was an OFFSET past 64 bits: a database error on PostgreSQL.
    r = api.get("/plans", params={"page": str(10**30)})
    assert (r.status_code, r.json()["param"]) == (400, "page")
    assert api.get("/plans", params={"page": "1000000", "per_page": " 7 "}).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"a": [{"b": True, "c": None, "d": 1.5, "e": [1, "x"]}]}, None),
        ({"a": [{"b": "x" * 301}]}, "a[0].b is longer than 300 characters."),
        ({"a": [1, {"b\x00": 1}]}, "a[1] contains a NUL character."),
        ({"a": {"b": list(range(6))}}, "a.b has 6 items; at most 5 are accepted per request."),
        ({"a": [True, 2**64 - 1]}, "a[1] is out of range."),
    ],
)
def test_check_json_names_the_field_deep_in_a_body(body: dict, message: str | None) -> None:
    # Bodies are first checked by a walk without paths; a failing one is walked again to name the field.
    if message is None:
        check_json(body, SMALL.limits)
        return
    with pytest.raises(ApiError) as caught:
        check_json(body, SMALL.limits)
    assert caught.value.body["message"] == message
