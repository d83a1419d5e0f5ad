"""Every write route goes through the app's writer (on SQLite its one write thread), and a write of several rows
is one transaction: tags or custom attributes added by email change every customer with that email, or none."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database

from .conftest import invoice


def _customer(api: httpx.Client, ds: str, external_id: str, **fields: Any) -> dict[str, Any]:
    r = api.post("/customers", json={"data_source_uuid": ds, "external_id": external_id, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def _refuse_updates_of(db: Database, external_id: str) -> None:
    """A real fault in the database: any UPDATE of this customer fails (a trigger raises)."""
    with db.begin() as conn:
        if db.dialect == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_update BEFORE UPDATE ON customers "
                    f"WHEN OLD.external_id = '{external_id}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_update() RETURNS trigger AS $$ BEGIN "
                    f"IF OLD.external_id = '{external_id}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; "
                    "END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_update BEFORE UPDATE ON customers "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_update()"
                )
            )


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/customers/attributes/tags", {"tags": ["vip"]}),
        ("/customers/attributes/custom", {"custom": [{"type": "Integer", "key": "seats", "value": 3}]}),
    ],
)
def test_a_write_by_email_that_fails_part_way_changes_no_customer(
    api: httpx.Client, db: Database, source: dict[str, Any], path: str, extra: dict[str, Any]
) -> None:
    first = _customer(api, source["uuid"], "first", email="shared@example.com", attributes={"tags": ["old"]})
    _customer(api, source["uuid"], "second", email="shared@example.com", attributes={"tags": ["old"]})
    listed_before = api.get("/customers").content
    _refuse_updates_of(db, "second")  # the first customer (lower id) is written before the second fails

    r = api.post(path, json={"email": "shared@example.com", **extra})
    assert r.status_code == 500
    assert api.get(f"/customers/{first['uuid']}").json()["attributes"] == first["attributes"]
    assert api.get("/customers").content == listed_before


def test_a_write_by_email_changes_every_customer_with_the_email(api: httpx.Client, source: dict[str, Any]) -> None:
    made = [_customer(api, source["uuid"], f"c{n}", email="shared@example.com") for n in range(3)]
    _customer(api, source["uuid"], "other", email="other@example.com")
    r = api.post("/customers/attributes/tags", json={"email": "shared@example.com", "tags": ["vip"]})
    assert r.status_code == 200
    assert [e["uuid"] for e in r.json()["entries"]] == [c["uuid"] for c in made]
    listed = {e["external_id"]: e["attributes"]["tags"] for e in api.get("/customers").json()["entries"]}
    assert listed == {"c0": ["vip"], "c1": ["vip"], "c2": ["vip"], "other": []}


def _record_threads(server: EmbeddedServer, store: str, method: str, threads: set[str]) -> Callable[[], None]:
    target = getattr(server.app.state.stores, store)
    original = getattr(target, method)

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.add(threading.current_thread().name)
        return original(*args, **kwargs)

    setattr(target, method, recording)
    return lambda: setattr(target, method, original)


def test_the_write_routes_that_used_the_thread_pool_run_on_the_writer(
    server: EmbeddedServer, api: httpx.Client, db: Database, source: dict[str, Any], plan: dict[str, Any]
) -> None:
    """Merges, unmerges, custom-attribute removal, tags and custom attributes by email, invoice deletion."""
    ds = source["uuid"]
    a = _customer(api, ds, "a", email="a@example.com", attributes={"custom": [{"key": "k", "value": "v"}]})
    b = _customer(api, ds, "b")
    threads: dict[str, set[str]] = {}
    calls = [
        ("customers", "change_custom", "DELETE", f"/customers/{a['uuid']}/attributes/custom", {"custom": ["k"]}),
        ("customers", "by_email", "POST", "/customers/attributes/tags", {"email": "a@example.com", "tags": ["t"]}),
        ("customers", "by_email", "POST", "/customers/attributes/custom", {"email": "a@example.com", "custom": []}),
        (
            "customers",
            "merge",
            "POST",
            "/customers/merges",
            {"from": {"customer_uuid": b["uuid"]}, "into": {"customer_uuid": a["uuid"]}},
        ),
        (
            "customers",
            "unmerge",
            "POST",
            "/customers/unmerges",
            {"customer_uuid": a["uuid"], "data_source_uuid": ds, "external_id": "b"},
        ),
    ]
    for store, method, verb, path, body in calls:
        seen = threads.setdefault(f"{store}.{method}", set())
        restore = _record_threads(server, store, method, seen)
        try:
            r = api.request(verb, path, json=body)
        finally:
            restore()
        assert r.status_code < 300, (path, r.text)
    imported = api.post(f"/import/customers/{a['uuid']}/invoices", json={"invoices": [invoice(plan["uuid"])]})
    assert imported.status_code == 201, imported.text
    for method, path in [
        ("delete", f"/invoices/{imported.json()['invoices'][0]['uuid']}"),
        ("delete_for_customer", f"/data_sources/{ds}/customers/{a['uuid']}/invoices"),
    ]:
        seen = threads.setdefault(f"invoices.{method}", set())
        restore = _record_threads(server, "invoices", method, seen)
        try:
            r = api.delete(path)
        finally:
            restore()
        assert r.status_code == 204, (path, r.text)
    for name, seen in threads.items():
        if db.dialect == "sqlite":
            assert seen == {"mogul-writer"}, name
        else:
            assert seen and "mogul-writer" not in seen, name
