"""Pagination on every list: cursors, legacy keys, the deprecated `page`, bad parameters, and the
invariant that matters to syncs: while rows are inserted and deleted, no row that stays is skipped or repeated."""

from __future__ import annotations

import base64
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mogul.server.errors import ApiError
from mogul.server.pagination import decode_cursor, encode_cursor, page_params
from mogul.server.store import Database

LISTS = ["/customers", "/plans", "/invoices", "/customers/search?email=a@x.com"]
_names = itertools.count()


def test_cursor_round_trip_and_recorded_format() -> None:
    cursor = encode_cursor(1_451_649_600_000_000, 114167450)
    assert cursor == "MjAxNi0wMS0wMVQxMjowMDowMC4wMDAwMDAwMDBaJjExNDE2NzQ1MA=="  # the recorded one
    assert decode_cursor(cursor) == (1_451_649_600_000_000, 114167450)
    assert decode_cursor(cursor.rstrip("=")) == (1_451_649_600_000_000, 114167450)


@pytest.mark.parametrize(
    "query",
    [
        {"per_page": "0"},
        {"per_page": "201"},
        {"per_page": "ten"},
        {"per_page": "-5"},
        {"page": "0"},
        {"page": "x"},
        {"cursor": "not base64 at all!"},
        {"cursor": base64.b64encode(b"hello").decode()},
        {"cursor": base64.b64encode(b"2016-13-45T00:00:00.000000000Z&1").decode()},
        {"cursor": base64.b64encode(b"\xff\xfe").decode()},
    ],
)
def test_bad_parameters_are_400(query: dict[str, str]) -> None:
    with pytest.raises(ApiError) as err:
        page_params(query)
    assert err.value.status == 400 and err.value.body["param"] in query


@pytest.mark.parametrize("path", LISTS)
def test_bad_parameters_over_http_on_every_list(api: httpx.Client, customer: dict[str, Any], path: str) -> None:
    for params in ({"per_page": "500"}, {"cursor": "garbage"}):
        r = api.get(path, params=params)
        assert r.status_code == 400, (path, params)
        assert r.json()["code"] == 400 and r.json()["param"] in params
    for path_ in (
        f"/import/customers/{customer['uuid']}/invoices",
        f"/import/customers/{customer['uuid']}/subscriptions",
    ):
        assert api.get(path_, params={"per_page": "0"}).status_code == 400


def _create(api: httpx.Client, ds_uuid: str, external_id: str) -> dict[str, Any]:
    r = api.post("/customers", json={"data_source_uuid": ds_uuid, "external_id": external_id, "email": "a@x.com"})
    assert r.status_code == 201, r.text
    return r.json()


def test_cursor_pages_cover_every_row_once(api: httpx.Client, source: dict[str, Any]) -> None:
    made = [_create(api, source["uuid"], f"c{i}")["uuid"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"per_page": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/customers/search", params={"email": "a@x.com", **params}).json()
        seen += [e["uuid"] for e in body["entries"]]
        if not body["has_more"]:
            break
        cursor = body["cursor"]
    assert seen == made


def test_deprecated_page_parameter_as_airbyte_uses_it(api: httpx.Client, source: dict[str, Any]) -> None:
    made = [_create(api, source["uuid"], f"c{i}")["uuid"] for i in range(5)]
    seen: list[str] = []
    for page in itertools.count(1):
        body = api.get("/customers", params={"page": page, "per_page": 2}).json()
        assert (body["current_page"], body["page"], body["total_pages"]) == (page, page, 3)
        seen += [e["uuid"] for e in body["entries"]]
        if len(body["entries"]) < 2:  # Airbyte's PageIncrement stops at a short page
            break
    assert seen == made
    assert api.get("/customers", params={"page": 9}).json()["entries"] == []
    # Switching from pages to the cursor a page returned carries on after it.
    second = api.get("/customers", params={"page": 2, "per_page": 2}).json()
    rest = api.get("/customers", params={"cursor": second["cursor"]}).json()
    assert [e["uuid"] for e in rest["entries"]] == made[4:]


def test_paging_while_another_thread_inserts(
    api: httpx.Client, server: Any, rw_key: str, source: dict[str, Any]
) -> None:
    before = [_create(api, source["uuid"], f"old{i}")["uuid"] for i in range(25)]
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=server.base_url + "/v1", auth=(rw_key, ""), timeout=30) as http:
            for i in itertools.count():
                if stop.is_set() or i > 200:
                    return
                http.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": f"new{i}"})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen: list[str] = []
        body = api.get("/customers", params={"per_page": 4}).json()
        while True:
            seen += [e["uuid"] for e in body["entries"]]
            if not body["has_more"] or len(seen) > 60:
                break
            body = api.get("/customers", params={"per_page": 4, "cursor": body["cursor"]}).json()
    finally:
        stop.set()
        thread.join()
    assert len(seen) == len(set(seen))
    assert seen[:25] == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    initial=st.integers(0, 12),
    per_page=st.integers(1, 5),
    steps=st.lists(st.tuples(st.sampled_from(["insert", "delete", "page"]), st.integers(0, 1000)), max_size=30),
)
def test_no_row_that_stays_is_skipped_or_repeated(
    api: httpx.Client, initial: int, per_page: int, steps: list[tuple[str, int]]
) -> None:
    ds_uuid = api.post("/data_sources", json={"name": f"h{next(_names)}"}).json()["uuid"]
    present = [_create(api, ds_uuid, f"i{i}")["uuid"] for i in range(initial)]
    stayed = set(present)
    seen: list[str] = []
    cursor: str | None = None
    done = False

    def next_page() -> None:
        nonlocal cursor, done
        params: dict[str, Any] = {"data_source_uuid": ds_uuid, "per_page": per_page}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/customers", params=params).json()
        seen.extend(e["uuid"] for e in body["entries"])
        cursor = body["cursor"] or cursor
        done = not body["has_more"]

    for n, (action, pick) in enumerate(steps):
        if done:
            break
        if action == "insert":
            present.append(_create(api, ds_uuid, f"n{n}")["uuid"])
        elif action == "delete" and present:
            gone = present.pop(pick % len(present))
            stayed.discard(gone)
            assert api.delete(f"/customers/{gone}").status_code == 204
        else:
            next_page()
    while not done:
        next_page()
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert stayed <= set(seen), "a row that stayed was skipped"


def test_list_reads_run_off_the_event_loop(db: Database) -> None:
    """On SQLite on the app's read threads (each with its kept connection), elsewhere in the thread pool."""
    import asyncio
    from types import SimpleNamespace

    from mogul.server.readers import for_database
    from mogul.server.routes.common import read

    readers = for_database(db)
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(readers=readers)))

    def current() -> tuple[int, str]:
        with db.read() as conn:
            conn.execute(select(1))
        return threading.get_ident(), threading.current_thread().name

    async def main() -> tuple[int, tuple[int, str]]:
        return threading.get_ident(), await read(request, current)

    try:
        # On a thread of its own: a test that ran earlier in this worker may have left a loop on this one.
        with ThreadPoolExecutor(1) as pool:
            loop_thread, (read_thread, name) = pool.submit(asyncio.run, main()).result()
    finally:
        if readers is not None:
            readers.close()
    assert read_thread != loop_thread
    assert name.startswith("mogul-read") is (db.dialect == "sqlite")
