"""`GET /v1/customers` answers each customer's stored entry (store/customer_entries.py), and every entry is what
the Python renderer makes of the customer now: after each kind of write, with either account currency, on every
page of every filter, by cursor and by page. The oracle is `GET /customers/{uuid}`, rendered from the row on
each request.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from mogul.server.store import Database, customer_entries, schema

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


def _pages(api: httpx.Client, filters: dict[str, str], *, cursor: bool) -> list[dict[str, Any]]:
    """Every entry of a list, walked in pages of 7; each entry checked against its single-resource render."""
    entries: list[dict[str, Any]] = []
    query = dict(filters, per_page="7")
    if not cursor:
        query["page"] = "1"
    while True:
        r = api.get("/customers", params=query)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        body = r.json()
        for entry in body["entries"]:
            single = api.get(f"/customers/{entry['uuid']}")
            # The same bytes: key order, escapes and number forms included.
            assert single.status_code == 200 and single.content in r.content, entry["external_id"]
        entries += body["entries"]
        if not body["has_more"]:
            return entries
        if cursor:
            query["cursor"] = body["cursor"]
        else:
            query["page"] = str(int(query["page"]) + 1)


def _check_all(api: httpx.Client, sources: list[str]) -> int:
    seen = 0
    for filters in ({}, {"data_source_uuid": sources[1]}, {"status": "New_Lead"}, {"system": "custom"}):
        by_cursor = _pages(api, filters, cursor=True)
        assert by_cursor == _pages(api, filters, cursor=False)
        seen += len(by_cursor)
    return seen


@pytest.fixture
def seeded(api: httpx.Client, db: Database) -> list[str]:
    return _seed(api)


def test_list_entries_are_the_renderer_s(api: httpx.Client, db: Database, seeded: list[str]) -> None:
    assert _check_all(api, seeded) > 40
    # The account's currency is given at read time, not stored with the entries.
    with db.begin() as conn:
        conn.execute(update(schema.account).values(currency="EUR"))
    assert _check_all(api, seeded) > 40
    assert '"currency-sign":"€"' in api.get("/customers").text


def test_every_write_stores_the_entry_again(api: httpx.Client, db: Database, seeded: list[str]) -> None:
    """Profile, tags, custom attributes (by uuid and by email), merges, unmerges, the engine's results, a data
    source's deletion releasing the identities merged from it: each leaves every entry equal to its render."""
    sources = seeded

    def uuid_of(external_id: str) -> str:
        return api.get("/customers", params={"external_id": external_id}).json()["entries"][0]["uuid"]

    uuid = uuid_of("tags-plain")
    assert api.patch(f"/customers/{uuid}", json={"name": "Renamed", "website_url": "https://x.io"}).status_code == 200
    assert api.post(f"/customers/{uuid}/attributes/tags", json={"tags": ["new"]}).status_code == 200
    assert api.request("DELETE", f"/customers/{uuid}/attributes/tags", json={"tags": ["one"]}).status_code == 200
    custom = {"custom": [{"type": "Integer", "key": "seats", "value": 3}]}
    assert api.post(f"/customers/{uuid}/attributes/custom", json=custom).status_code == 200
    assert api.put(f"/customers/{uuid}/attributes/custom", json={"custom": {"seats": 4}}).status_code == 200
    by_email = {"email": "adam@example.com", "tags": ["by-email"]}
    assert api.post("/customers/attributes/tags", json=by_email).status_code == 200
    entry = api.get("/customers", params={"external_id": "tags-plain"}).json()["entries"][0]
    assert (entry["name"], entry["website_url"], entry["attributes"]["custom"]["seats"]) == (
        "Renamed",
        "https://x.io",
        4,
    )
    assert entry["attributes"]["tags"] == ["two", "new"]
    # A merge, then the merged identity split out again.
    merge = {"from": {"customer_uuid": uuid_of("bare")}, "into": {"customer_uuid": uuid_of("lead")}}
    assert api.post("/customers/merges", json=merge).status_code == 202
    lead = uuid_of("lead")
    unmerge = {"customer_uuid": lead, "data_source_uuid": sources[0], "external_id": "bare"}
    assert api.post("/customers/unmerges", json=unmerge).status_code == 202
    # The engine's status and MRR.
    gold = plan(api, sources[1], "Gold 2")
    import_invoices(api, uuid, invoice("inv-tags", gold["uuid"], "2024-01-01", "2024-02-01", 2500))
    settle(api)
    assert api.get("/customers", params={"external_id": "tags-plain"}).json()["entries"][0]["mrr"] == 2500
    _check_all(api, sources)
    # "plain" holds an identity merged from the second source: deleting that source releases it.
    assert api.delete(f"/data_sources/{sources[1]}").status_code == 204
    settle(api)
    plain = api.get("/customers", params={"external_id": "plain"}).json()["entries"][0]
    assert plain["data_source_uuids"] == [sources[0]]
    _pages(api, {}, cursor=True)
    with db.read() as conn:
        stored = conn.execute(select(schema.customer_entries.c.customer_id)).scalars().all()
        ids = conn.execute(select(schema.customers.c.id)).scalars().all()
    assert sorted(stored) == sorted(ids)  # deleted customers took their entries with them


def test_a_customer_without_a_stored_entry_is_rendered_at_read(
    api: httpx.Client, db: Database, seeded: list[str]
) -> None:
    with db.begin() as conn:
        conn.execute(text("DELETE FROM customer_entries WHERE customer_id IN (SELECT id FROM customers LIMIT 5)"))
    assert _check_all(api, seeded) > 40


def test_entries_made_by_another_renderer_are_stored_again(db: Database, seeded: list[str], api: httpx.Client) -> None:
    with db.begin() as conn:
        conn.execute(update(schema.customer_entries).values(head='{"stale":true', tail="}"))
        conn.execute(update(schema.meta).where(schema.meta.c.key == customer_entries.META_KEY).values(value="old"))
    db.migrate()
    assert _check_all(api, seeded) > 40
    with db.read() as conn:
        assert customer_entries.current(conn)


def test_version_5_loses_the_sql_rendered_entries(db: Database, seeded: list[str], api: httpx.Client) -> None:
    """Schema 5 rendered entries on SQLite with triggers into two customers columns; schema 6 drops them."""
    if db.dialect == "sqlite":
        with db.begin() as conn:
            conn.execute(text("ALTER TABLE customers ADD COLUMN render_head TEXT"))
            conn.execute(text("ALTER TABLE customers ADD COLUMN render_tail TEXT"))
            conn.execute(
                text(
                    "CREATE TRIGGER mogul_customers_render_update_0123456789 AFTER UPDATE OF name ON customers "
                    "BEGIN UPDATE customers SET render_head = NEW.name WHERE id = NEW.id; END"
                )
            )
    with db.begin() as conn:
        conn.execute(text("DROP INDEX ix_activities_date_id"))
        conn.execute(update(schema.meta).where(schema.meta.c.key == "schema_version").values(value="5"))
    db.migrate()
    with db.read() as conn:
        version = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
        if db.dialect == "sqlite":
            columns = {row[1] for row in conn.execute(text("PRAGMA table_info(customers)"))}
            triggers = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all()
            indexes = {row[1] for row in conn.execute(text("PRAGMA index_list(activities)"))}
            assert not {"render_head", "render_tail"} & columns and triggers == []
            assert "ix_activities_date_id" in indexes
    assert version == str(schema.SCHEMA_VERSION) == "6"
    assert _check_all(api, seeded) > 40


@pytest.mark.parametrize(
    "params",
    [{"per_page": "0"}, {"per_page": "201"}, {"page": "0"}, {"cursor": "bm90IGEgY3Vyc29y"}, {"page": "x"}],
)
def test_bad_paging_is_still_400(api: httpx.Client, seeded: list[str], params: dict[str, str]) -> None:
    r = api.get("/customers", params=params)
    assert r.status_code == 400 and r.json()["code"] == 400


def test_empty_and_past_the_end(api: httpx.Client, seeded: list[str]) -> None:
    for query in ({"page": "99"}, {"data_source_uuid": "ds_missing"}, {"status": "Nobody"}):
        r = api.get("/customers", params=query)
        assert r.status_code == 200 and r.json()["entries"] == [] and r.json()["has_more"] is False
        assert r.json()["total_pages"] == (1 if "page" not in query else r.json()["total_pages"])
