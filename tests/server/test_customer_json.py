"""The list reads' cheap paths answer exactly what the previous code did, byte for byte.

`GET /v1/customers` splices entries stored rendered by SQLite triggers (store/customer_json.py), and falls back
to the Python renderer for rows SQL cannot render identically; `/v1/activities` reads on a kept sqlite3
connection. The oracle is the previous code, kept: `Customers.list` + `Page.envelope` + orjson (what the route
returned before, and what `search` and PostgreSQL still use) and `Activities._list_sqlalchemy`.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text

from mogul.server import pagination
from mogul.server.embedded import EmbeddedServer
from mogul.server.pagination import decode_cursor, page_params
from mogul.server.store import Database
from mogul.server.store.activities import Activities, ActivityQuery
from mogul.server.store.customers import Customers
from mogul.server.store.database import READER_MMAP_BYTES

from .processing_helpers import import_invoices, invoice, plan, settle

_TYPED = [
    {"type": "String", "key": "channel", "value": "référence 中文 🚀"},
    {"type": "Integer", "key": "seats", "value": 12},
    {"type": "Decimal", "key": "ratio", "value": 0.00001},
    {"type": "Decimal", "key": "big", "value": 1.5e16},
    {"type": "Boolean", "key": "vip", "value": True},
    {"type": "Timestamp", "key": "renewal", "value": "1969-12-31 23:59:59.999"},
]
# (external id, data source index, fields): nulls, unicode, escapes, every kind of attribute, leads and trials.
_PEOPLE: list[tuple[str, int, dict[str, Any]]] = [
    ("plain", 0, {"name": "Adam Smith", "email": "adam@example.com", "company": "Acme Inc", "country": "GB"}),
    ("bare", 0, {}),
    ("nulls", 1, {"name": "", "company": "", "country": None, "state": None, "city": None, "zip": None}),
    (
        "unicode",
        0,
        {"name": "Zoë Ünïcödé 山田", "company": "Ça va — “quotes” \\ back", "city": "Zürich", "owner": "ö@x"},
    ),
    ("control", 1, {"name": "tab\there\nnew line\u0001\u001f\u007f", "email": 'quo"te@x.com'}),
    ("us", 0, {"name": "Ohio Co", "country": "us", "state": "oh", "city": "Columbus", "zip": "43004"}),
    ("us-long", 0, {"country": "US", "state": "California"}),
    ("us-unknown", 1, {"country": "US", "state": "Nowhere"}),
    ("us-dotless", 1, {"country": "US", "state": "ıl"}),  # Python's upper() makes it IL
    ("xx", 0, {"country": "XK", "state": "Pristina"}),
    ("site", 0, {"website_url": 'https://example.com/a b?c="d"', "owner": "owner@example.com"}),
    ("site-empty", 1, {"website_url": ""}),
    ("lead", 0, {"lead_created_at": "2016-01-01 12:00:00.123 UTC"}),
    ("trial", 0, {"lead_created_at": "1969-07-20T20:17:40Z", "free_trial_started_at": "2016-02-03T04:05:06.789Z"}),
    ("tags", 1, {"attributes": {"tags": ["vip", "café", "a\\b", "日本"]}}),
    ("tags-plain", 1, {"attributes": {"tags": ["one", "two"], "custom": [{"key": "n", "value": "x"}]}}),
    ("custom", 0, {"attributes": {"custom": _TYPED}}),
    ("custom-ints", 0, {"attributes": {"custom": [{"type": "Integer", "key": "i", "value": 9007199254740993}]}}),
]


def _seed(api: httpx.Client) -> list[str]:
    sources = [api.post("/data_sources", json={"name": name}).json()["uuid"] for name in ("Stripe-ish", "Ünï")]
    uuids = []
    for external_id, ds, fields in _PEOPLE:
        r = api.post("/customers", json={"data_source_uuid": sources[ds], "external_id": external_id, **fields})
        assert r.status_code == 201, r.text
        uuids.append(r.json()["uuid"])
    for i in range(30):  # enough for several pages of 7
        api.post("/customers", json={"data_source_uuid": sources[i % 2], "external_id": f"bulk-{i}", "name": f"B {i}"})
    by_id = dict(zip([p[0] for p in _PEOPLE], uuids, strict=True))
    assert api.patch(f"/customers/{by_id['lead']}", json={"status": "Working_Lead"}).status_code == 200
    # A merged customer: two ids, two sources, deduplicated in order.
    merge = {"from": {"customer_uuid": by_id["site-empty"]}, "into": {"customer_uuid": by_id["plain"]}}
    assert api.post("/customers/merges", json=merge).status_code == 202
    # A customer with MRR and a status from the engine.
    gold = plan(api, sources[0], "Gold")
    import_invoices(api, by_id["us"], invoice("inv-us", gold["uuid"], "2024-01-01", "2024-02-01", 1234))
    settle(api)
    return sources


def _oracle(store: Customers, query: dict[str, str], filters: dict[str, str | None]) -> bytes:
    """What `GET /customers` answered before the stored render: the Python renderer, orjson."""
    page, items = store.list(filters, page_params(query))
    return orjson.dumps(page.envelope("entries", items, pagination.CUSTOMERS))


def _pages(api: httpx.Client, store: Customers, filters: dict[str, str], *, cursor: bool) -> list[bytes]:
    """Every page of a list, each checked against the oracle; the bodies."""
    bodies, query = [], dict(filters, per_page="7")
    if not cursor:
        query["page"] = "1"
    while True:
        r = api.get("/customers", params=query)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        wanted = {k: filters.get(k) for k in ("data_source_uuid", "external_id", "status", "system")}
        assert r.content == _oracle(store, query, wanted)
        bodies.append(r.content)
        body = r.json()
        if not body["has_more"]:
            return bodies
        if cursor:
            query["cursor"] = body["cursor"]
        else:
            query["page"] = str(int(query["page"]) + 1)


def _check_all(api: httpx.Client, db: Database, sources: list[str]) -> int:
    store = Customers(db)
    entries = 0
    for filters in ({}, {"data_source_uuid": sources[1]}, {"status": "New_Lead"}, {"system": "CUSTOM"}):
        for cursor in (False, True):
            bodies = _pages(api, store, filters, cursor=cursor)
            for body in bodies:
                for entry in orjson.loads(body)["entries"]:
                    # The single-resource render's bytes appear as they are in the list.
                    single = api.get(f"/customers/{entry['uuid']}")
                    assert single.status_code == 200 and single.content in body
                    entries += 1
    return entries


@pytest.fixture
def seeded(api: httpx.Client, db: Database) -> list[str]:
    return _seed(api)


def test_list_pages_match_the_python_renderer(api: httpx.Client, db: Database, seeded: list[str]) -> None:
    assert _check_all(api, db, seeded) > 100
    # Both currencies: the account's is given at read time, not stored with the entries.
    with db.begin() as conn:
        conn.execute(text("UPDATE account SET currency = 'EUR'"))
    assert _check_all(api, db, seeded) > 100
    assert '"currency-sign":"€"' in api.get("/customers").text


def test_sql_renders_most_rows_and_leaves_the_rest(api: httpx.Client, db: Database, seeded: list[str]) -> None:
    if db.dialect != "sqlite":  # PostgreSQL keeps the Python renderer: no stored renders, no triggers
        with db.read() as conn:
            columns = conn.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = 'customers'")
            ).scalars()
            assert not {c for c in columns if c.startswith("render_")}
        return
    with db.read() as conn:
        rows = dict(conn.execute(text("SELECT external_id, render_head IS NOT NULL FROM customers")).all())
    # Left to Python: merged, escapes in the stored JSON (non-ASCII, a backslash), exponents, a non-ASCII US state.
    for external_id in ("plain", "tags", "custom", "us-dotless"):
        assert rows[external_id] == 0, external_id
    for external_id in (
        "nulls",
        "unicode",
        "control",
        "us",
        "us-long",
        "site",
        "lead",
        "trial",
        "tags-plain",
        "custom-ints",
    ):
        assert rows[external_id] == 1, external_id
    assert sum(rows.values()) >= 30


def test_writes_render_again(api: httpx.Client, db: Database, seeded: list[str]) -> None:
    """Every write path keeps the stored render current: profile, attributes, the engine's status, a rename of
    the data source's system (straight SQL, as no route changes it)."""
    store = Customers(db)
    uuid = api.get("/customers", params={"external_id": "tags-plain"}).json()["entries"][0]["uuid"]
    assert api.patch(f"/customers/{uuid}", json={"name": "Renamed", "website_url": "https://x.io"}).status_code == 200
    assert api.post(f"/customers/{uuid}/attributes/tags", json={"tags": ["new"]}).status_code == 200
    custom = {"custom": [{"type": "Integer", "key": "seats", "value": 3}]}
    assert api.post(f"/customers/{uuid}/attributes/custom", json=custom).status_code == 200
    with db.begin() as conn:
        conn.execute(text("UPDATE data_sources SET system = 'Recurly' WHERE uuid = :u"), {"u": seeded[1]})
        conn.execute(text("UPDATE customers SET mrr = 777, arr = 9324, status = 'Active' WHERE uuid = :u"), {"u": uuid})
    entry = api.get("/customers", params={"external_id": "tags-plain"}).json()["entries"][0]
    assert (entry["name"], entry["website_url"], entry["mrr"], entry["status"]) == (
        "Renamed",
        "https://x.io",
        777,
        "Active",
    )
    assert entry["attributes"]["tags"] == ["one", "two", "new"] and entry["attributes"]["custom"]["seats"] == 3
    assert entry["billing-system-type"] == "Recurly"
    _pages(api, store, {}, cursor=True)
    assert api.delete(f"/customers/{uuid}").status_code == 204
    _pages(api, store, {}, cursor=False)


@pytest.mark.parametrize(
    "params",
    [{"per_page": "0"}, {"per_page": "201"}, {"page": "0"}, {"cursor": "bm90IGEgY3Vyc29y"}, {"page": "x"}],
)
def test_bad_paging_is_still_400(api: httpx.Client, seeded: list[str], params: dict[str, str]) -> None:
    r = api.get("/customers", params=params)
    assert r.status_code == 400 and r.json()["code"] == 400


def test_empty_and_past_the_end(api: httpx.Client, db: Database, seeded: list[str]) -> None:
    store = Customers(db)
    for query in ({"page": "99"}, {"data_source_uuid": "ds_missing"}, {"status": "Nobody"}):
        r = api.get("/customers", params=query)
        filters = {k: query.get(k) for k in ("data_source_uuid", "status")}
        assert r.status_code == 200 and r.content == _oracle(store, query, filters)
        assert r.json()["entries"] == []


def test_a_transaction_left_open_does_not_break_the_next_page(db: Database, seeded: list[str]) -> None:
    if db.dialect != "sqlite":  # the kept sqlite3 connection is SQLite's; PostgreSQL pages go through SQLAlchemy
        with pytest.raises(RuntimeError, match="SQLite"):
            db.sqlite_reader()
        return
    store = Customers(db)
    want = store.list_json({}, page_params({"per_page": "5"}))[1]
    conn = db.sqlite_reader()
    conn.execute("BEGIN")  # as if a COMMIT had failed
    assert conn.in_transaction
    assert store.list_json({}, page_params({"per_page": "5"}))[1] == want
    assert not conn.in_transaction


def test_the_kept_reader_maps_the_file(db: Database) -> None:
    if db.dialect != "sqlite":
        with pytest.raises(RuntimeError, match="SQLite"):
            db.sqlite_reader()
        return
    assert db.sqlite_reader().execute("PRAGMA mmap_size").fetchone()[0] == READER_MMAP_BYTES


def test_stored_render_is_installed_on_an_older_database(tmp_path: Any) -> None:
    """A database made before the stored render (no columns, no triggers) gets them, every row rendered."""
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    db.migrate()
    api_rows: list[str] = []
    with EmbeddedServer(db) as server:
        from mogul.server.store.keys import create_key

        key = create_key(db, "t", "read-write")[0]
        with httpx.Client(base_url=server.base_url + "/v1", auth=(key, "")) as api:
            ds = api.post("/data_sources", json={"name": "S"}).json()["uuid"]
            for i in range(3):
                api.post("/customers", json={"data_source_uuid": ds, "external_id": f"c{i}", "name": f"C {i}"})
            api_rows.append(api.get("/customers").text)
    with db.begin() as conn:
        for name in [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))]:
            conn.execute(text(f"DROP TRIGGER {name}"))
        conn.execute(text("ALTER TABLE customers DROP COLUMN render_head"))
        conn.execute(text("ALTER TABLE customers DROP COLUMN render_tail"))
    db.dispose()
    again = Database(f"sqlite:///{tmp_path / 'old.db'}")
    again.migrate()
    with again.read() as conn:
        assert conn.execute(text("SELECT count(render_head), count(render_tail) FROM customers")).one() == (3, 3)
    with EmbeddedServer(again) as server, httpx.Client(base_url=server.base_url + "/v1", auth=(key, "")) as api:
        assert api.get("/customers").text == api_rows[0]
    again.dispose()


def test_activities_pages_match_the_sqlalchemy_path(api: httpx.Client, db: Database, seeded: list[str]) -> None:
    gold = plan(api, seeded[1], "Silver")
    uuids = [
        api.get("/customers", params={"external_id": e}).json()["entries"][0]["uuid"] for e in ("nulls", "control")
    ]
    for n, uuid in enumerate(uuids):
        bills = [
            invoice(f"a{n}-{m}", gold["uuid"], f"2023-{m:02d}-01", f"2023-{m + 1:02d}-01", 100 * m + n)
            for m in (1, 2, 3)
        ]
        import_invoices(api, uuid, *bills)
    settle(api)
    store = Activities(db)
    every = store._list_sqlalchemy(ActivityQuery())
    assert len(every.bodies) >= 4
    queries = [
        ActivityQuery(per_page=2),
        ActivityQuery(per_page=1, descending=True),
        ActivityQuery(start=every_date(every, 1), end=every_date(every, -1), per_page=2),
        ActivityQuery(type="new_biz", per_page=1),
    ]
    for q in queries:
        while True:
            got, want = store.list(q), store._list_sqlalchemy(q)
            assert (got.bodies, got.has_more, got.cursor) == (want.bodies, want.has_more, want.cursor)
            if not got.has_more:
                break
            q = ActivityQuery(q.start, q.end, q.type, q.descending, q.per_page, decode_cursor(str(got.cursor)))
    anchor = orjson.loads(every.bodies[1])["uuid"]
    q = ActivityQuery(per_page=2, after_uuid=anchor)
    assert store.list(q) == store._list_sqlalchemy(q)


def every_date(page: Any, at: int) -> int:
    from mogul.server.timefmt import parse_timestamp

    return parse_timestamp(orjson.loads(page.bodies[at])["date"].replace("+00:00", "Z"))
