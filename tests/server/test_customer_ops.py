"""Unmerges and connected subscriptions, on SQLite and PostgreSQL, recomputed by the processor."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .processing_helpers import customer, import_invoices, invoice, plan, settle, source


def movements(api: httpx.Client, customer_uuid: str) -> list[tuple[str, str, int]]:
    entries = api.get(f"/customers/{customer_uuid}/activities").json()["entries"]
    return [(e["date"][:10], e["type"], e["activity-mrr-movement"]) for e in entries]


def external_ids_of_invoices(api: httpx.Client, customer_uuid: str) -> list[str]:
    return sorted(i["external_id"] for i in api.get(f"/import/customers/{customer_uuid}/invoices").json()["invoices"])


def unmerge_body(customer_uuid: str, ds: str, external_id: str, **extra: Any) -> dict[str, Any]:
    return {"customer_uuid": customer_uuid, "data_source_uuid": ds, "external_id": external_id, **extra}


def merge(api: httpx.Client, src: str, into: str) -> None:
    r = api.post("/customers/merges", json={"from": {"customer_uuid": src}, "into": {"customer_uuid": into}})
    assert r.status_code == 202, r.text


# --- unmerges


def test_unmerge_restores_the_customer_with_its_invoices_and_mrr(api: httpx.Client) -> None:
    ds, other = source(api), source(api, "Stripe")
    gold, silver = plan(api, ds, "Gold"), plan(api, other, "Silver")
    into = customer(api, ds, "into", email="into@x.com", attributes={"tags": ["keep"]})
    src = customer(api, other, "from", email="from@x.com", company="Initech", attributes={"tags": ["moved"]})
    import_invoices(api, into["uuid"], invoice("i-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000))
    import_invoices(api, src["uuid"], invoice("f-1", silver["uuid"], "2024-01-15", "2024-02-15", 2000))
    merge(api, src["uuid"], into["uuid"])
    settle(api)
    assert api.get(f"/customers/{into['uuid']}").json()["mrr"] == 7000

    r = api.post("/customers/unmerges", json=unmerge_body(into["uuid"], other, "from", move_to_new_customer=["notes"]))
    assert (r.status_code, r.json()) == (202, {})
    settle(api)
    kept = api.get(f"/customers/{into['uuid']}").json()
    assert (kept["external_ids"], kept["data_source_uuids"], kept["mrr"]) == (["into"], [ds], 5000)
    found = api.get("/customers", params={"data_source_uuid": other, "external_id": "from"}).json()["entries"]
    assert len(found) == 1
    back = found[0]
    assert back["uuid"] not in (into["uuid"], src["uuid"])
    assert (back["email"], back["company"], back["attributes"]["tags"]) == ("from@x.com", "Initech", ["moved"])
    # Past Due: its 2024 period ended with no renewal (docs/metrics.md §4).
    assert (back["status"], back["mrr"], back["customer-since"][:10]) == ("Past Due", 2000, "2024-01-15")
    assert external_ids_of_invoices(api, back["uuid"]) == ["f-1"]
    assert external_ids_of_invoices(api, into["uuid"]) == ["i-1"]
    subs = api.get(f"/import/customers/{back['uuid']}/subscriptions").json()["subscriptions"]
    assert [(s["external_id"], s["data_source_uuid"]) for s in subs] == [("s1", other)]
    assert movements(api, back["uuid"]) == [("2024-01-15", "new_biz", 2000)]
    assert movements(api, into["uuid"]) == [("2024-01-01", "new_biz", 5000)]
    # Imports for the split customer go to it again, in its own source.
    import_invoices(api, back["uuid"], invoice("f-2", silver["uuid"], "2024-02-15", "2024-03-15", 2000))


def test_unmerge_tells_apart_two_customers_of_one_source(api: httpx.Client) -> None:
    """Both identities in one data source: the invoices each was imported under go back to it."""
    ds = source(api)
    gold = plan(api, ds, "Gold")
    a, b, c = (customer(api, ds, name) for name in ("a", "b", "c"))
    import_invoices(api, a["uuid"], invoice("a-1", gold["uuid"], "2024-01-01", "2024-02-01", 1000, sub="sa"))
    import_invoices(api, b["uuid"], invoice("b-1", gold["uuid"], "2024-01-01", "2024-02-01", 2000, sub="sb"))
    import_invoices(api, c["uuid"], invoice("c-1", gold["uuid"], "2024-01-01", "2024-02-01", 4000, sub="sc"))
    merge(api, b["uuid"], c["uuid"])  # c = {c, b}
    merge(api, c["uuid"], a["uuid"])  # a = {a, c, b}
    assert api.get(f"/customers/{a['uuid']}").json()["external_ids"] == ["a", "c", "b"]

    assert api.post("/customers/unmerges", json=unmerge_body(a["uuid"], ds, "c")).status_code == 202
    settle(api)
    split = api.get("/customers", params={"external_id": "c"}).json()["entries"][0]
    assert external_ids_of_invoices(api, split["uuid"]) == ["c-1"]
    assert external_ids_of_invoices(api, a["uuid"]) == ["a-1", "b-1"]
    assert (api.get(f"/customers/{a['uuid']}").json()["mrr"], split["mrr"]) == (3000, 4000)

    assert api.post("/customers/unmerges", json=unmerge_body(a["uuid"], ds, "b")).status_code == 202
    settle(api)
    assert external_ids_of_invoices(api, a["uuid"]) == ["a-1"]
    assert api.get(f"/customers/{a['uuid']}").json()["external_ids"] == ["a"]


def test_unmerge_errors(api: httpx.Client) -> None:
    ds = source(api)
    a, b = customer(api, ds, "a"), customer(api, ds, "b")
    merge(api, b["uuid"], a["uuid"])
    gone = uuid.uuid4()
    unknown = api.post("/customers/unmerges", json=unmerge_body(f"cus_{gone}", ds, "b"))
    missing = {"code": 404, "message": f'Customer "{gone}" does not exist', "param": "customer_id"}
    assert (unknown.status_code, unknown.json()) == (404, missing)
    for external_id in ("a", "nobody"):  # its own id, or one never merged into it
        r = api.post("/customers/unmerges", json=unmerge_body(a["uuid"], ds, external_id))
        assert r.status_code == 422 and set(r.json()["errors"]) == {"external_id"}
    missing = api.post("/customers/unmerges", json={"customer_uuid": a["uuid"], "external_id": "b"})
    assert (missing.status_code, missing.json()["param"]) == (400, "data_source_uuid")
    wrong_type = api.post("/customers/unmerges", json=unmerge_body(a["uuid"], ds, "b", move_to_new_customer="notes"))
    assert (wrong_type.status_code, wrong_type.json()["param"]) == (400, "move_to_new_customer")
    unknown_object = api.post("/customers/unmerges", json=unmerge_body(a["uuid"], ds, "b", move_to_new_customer=["x"]))
    assert unknown_object.status_code == 422 and "move_to_new_customer" in unknown_object.json()["errors"]
    # The identity was created again as a customer of its own since the merge: the unmerge cannot recreate it.
    customer(api, ds, "b")
    taken = api.post("/customers/unmerges", json=unmerge_body(a["uuid"], ds, "b"))
    assert taken.status_code == 422
    duplicate = "The external ID for this customer already exists in our system."
    assert taken.json() == {"errors": {"external_id": duplicate}}
    assert api.get(f"/customers/{a['uuid']}").json()["external_ids"] == ["a", "b"]  # nothing changed


def test_unmerges_is_not_a_customer_uuid(api: httpx.Client) -> None:
    assert api.get("/customers/unmerges").status_code == 405


# --- connected subscriptions


def migrated_plan_change(api: httpx.Client) -> dict[str, Any]:
    """Gold for January; on 1 February the billing system cancels it and moves the customer to Platinum as a new
    subscription."""
    ds = source(api)
    gold, platinum = plan(api, ds, "Gold"), plan(api, ds, "Platinum")
    cus = customer(api, ds, "c1")
    import_invoices(
        api,
        cus["uuid"],
        invoice("inv-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000, sub="old", cancelled_at="2024-02-01"),
        invoice("inv-2", platinum["uuid"], "2024-02-01", "2024-03-01", 8000, sub="new"),
    )
    settle(api)
    subs = api.get(f"/import/customers/{cus['uuid']}/subscriptions").json()["subscriptions"]
    return {"ds": ds, "customer": cus, "subs": {s["external_id"]: s["uuid"] for s in subs}}


def connection(ds: str, *sub_uuids: str) -> dict[str, Any]:
    return {"subscriptions": [{"data_source_uuid": ds, "uuid": u} for u in sub_uuids]}


UNCONNECTED = [
    ("2024-01-01", "new_biz", 5000),
    ("2024-02-01", "churn", -5000),
    ("2024-02-01", "reactivation", 8000),
]
CONNECTED = [("2024-01-01", "new_biz", 5000), ("2024-02-01", "expansion", 3000)]


def test_connecting_turns_churn_and_reactivation_into_expansion(api: httpx.Client) -> None:
    h = migrated_plan_change(api)
    cus, ds, subs = h["customer"]["uuid"], h["ds"], h["subs"]
    assert movements(api, cus) == UNCONNECTED

    r = api.post(f"/customers/{cus}/connect_subscriptions", json=connection(ds, subs["old"], subs["new"]))
    assert (r.status_code, r.json()) == (202, {})
    settle(api)
    assert movements(api, cus) == CONNECTED
    assert api.get(f"/customers/{cus}").json()["customer-since"][:10] == "2024-01-01"
    metrics = api.get("/metrics/mrr", params={"start-date": "2024-02-01", "end-date": "2024-02-29"}).json()
    assert (metrics["entries"][0]["mrr-expansion"], metrics["entries"][0]["mrr-churn"]) == (3000, 0)

    # The bare uuid of the customer-subscriptions view names the same subscription.
    bare = subs["new"].removeprefix("sub_")
    r = api.post(f"/customers/{cus}/disconnect_subscriptions", json=connection(ds, bare))
    assert r.status_code == 202
    settle(api)
    # Same-date activities list by row id, and a recompute keeps unchanged activities' ids: compare as a set.
    assert sorted(movements(api, cus)) == sorted(UNCONNECTED)


def test_connections_follow_a_merge(api: httpx.Client) -> None:
    h = migrated_plan_change(api)
    cus, ds, subs = h["customer"]["uuid"], h["ds"], h["subs"]
    api.post(f"/customers/{cus}/connect_subscriptions", json=connection(ds, subs["old"], subs["new"]))
    into = customer(api, ds, "into")
    merge(api, cus, into["uuid"])
    settle(api)
    assert movements(api, into["uuid"]) == CONNECTED
    # Split out again, both subscriptions go together and stay connected.
    assert api.post("/customers/unmerges", json=unmerge_body(into["uuid"], ds, "c1")).status_code == 202
    settle(api)
    split = api.get("/customers", params={"external_id": "c1"}).json()["entries"][0]
    assert movements(api, split["uuid"]) == CONNECTED
    assert movements(api, into["uuid"]) == []


def test_connect_errors(api: httpx.Client) -> None:
    h = migrated_plan_change(api)
    cus, ds, subs = h["customer"]["uuid"], h["ds"], h["subs"]
    stranger = customer(api, ds, "stranger")
    gold = plan(api, ds, "Bronze")
    import_invoices(api, stranger["uuid"], invoice("s-1", gold["uuid"], "2024-01-01", "2024-02-01", 100, sub="x"))
    theirs = api.get(f"/import/customers/{stranger['uuid']}/subscriptions").json()["subscriptions"][0]["uuid"]

    def post(path: str, body: Any) -> httpx.Response:
        return api.post(f"/customers/{cus}/{path}", json=body)

    unknown = api.post(f"/customers/cus_{uuid.uuid4()}/connect_subscriptions", json=connection(ds, *subs.values()))
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Customer not found"})
    assert post("connect_subscriptions", connection(ds, subs["old"])).status_code == 422  # one alone
    not_theirs = post("connect_subscriptions", connection(ds, subs["old"], theirs.removeprefix("sub_")))
    assert not_theirs.status_code == 422
    assert not_theirs.json() == {"errors": {"subscriptions": f"The customer has no subscription {theirs[4:]}."}}
    other_source = source(api, "Other")
    wrong_source = post("connect_subscriptions", connection(other_source, subs["old"], subs["new"]))
    assert wrong_source.status_code == 422 and "subscriptions" in wrong_source.json()["errors"]
    for body in ({}, {"subscriptions": "x"}, {"subscriptions": [{"uuid": subs["old"]}]}, {"subscriptions": [1]}):
        r = post("connect_subscriptions", body)
        assert (r.status_code, r.json()["param"]) == (400, "subscriptions"), body
    settle(api)
    assert movements(api, cus) == UNCONNECTED  # nothing was connected


def test_read_only_key_cannot_unmerge_or_connect(server: Any, ro_key: str, api: httpx.Client) -> None:
    h = migrated_plan_change(api)
    cus, ds, subs = h["customer"]["uuid"], h["ds"], h["subs"]
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        body = connection(ds, *subs.values())
        assert ro.post(f"/customers/{cus}/connect_subscriptions", json=body).status_code == 403
        assert ro.post("/customers/unmerges", json=unmerge_body(cus, ds, "x")).status_code == 403


# --- deleting a source merged into a customer of another


@pytest.mark.parametrize("path", ["", "/all"])
def test_deleting_a_merged_source_takes_its_identity_and_mrr_from_the_merged_customer(
    api: httpx.Client, path: str
) -> None:
    ds, other = source(api), source(api, "Stripe")
    gold, silver = plan(api, ds, "Gold"), plan(api, other, "Silver")
    into, src = customer(api, ds, "into"), customer(api, other, "from")
    import_invoices(api, into["uuid"], invoice("i-1", gold["uuid"], "2024-01-01", "2024-02-01", 1000))
    import_invoices(api, src["uuid"], invoice("f-1", silver["uuid"], "2024-01-01", "2024-02-01", 2000))
    merge(api, src["uuid"], into["uuid"])
    settle(api)
    assert api.get(f"/customers/{into['uuid']}").json()["mrr"] == 3000

    assert api.delete(f"/data_sources/{other}{path}").status_code == 204
    settle(api)
    kept = api.get(f"/customers/{into['uuid']}").json()
    assert (kept["mrr"], kept["external_ids"], kept["data_source_uuids"]) == (1000, ["into"], [ds])
    assert movements(api, into["uuid"]) == [("2024-01-01", "new_biz", 1000)]
    january = api.get("/metrics/mrr", params={"start-date": "2024-01-01", "end-date": "2024-01-31"}).json()
    assert january["entries"][-1]["mrr"] == 1000


def test_a_merged_identity_names_the_customer_it_was_merged_into(api: httpx.Client) -> None:
    ds = source(api)
    a, b, c = (customer(api, ds, name) for name in ("a", "b", "c"))
    merge(api, b["uuid"], a["uuid"])
    by_merged_id = {"data_source_uuid": ds, "external_id": "b"}
    r = api.post("/customers/merges", json={"from": {"customer_uuid": c["uuid"]}, "into": by_merged_id})
    assert r.status_code == 202
    assert api.get(f"/customers/{a['uuid']}").json()["external_ids"] == ["a", "b", "c"]
    into_itself = api.post("/customers/merges", json={"from": by_merged_id, "into": {"customer_uuid": a["uuid"]}})
    assert into_itself.status_code == 422


def test_customer_subscriptions_view_takes_the_deprecated_page(api: httpx.Client) -> None:
    """The recorded first page carries `"page": 1`, so the list had `page`: it still picks a page."""
    ds = source(api)
    gold = plan(api, ds, "Gold")
    cus = customer(api, ds, "c1")
    import_invoices(
        api,
        cus["uuid"],
        *(invoice(f"i{n}", gold["uuid"], "2024-01-01", "2024-02-01", 100 * n, sub=f"s{n}") for n in (1, 2, 3)),
    )
    settle(api)
    path = f"/customers/{cus['uuid']}/subscriptions"
    every = [s["uuid"] for s in api.get(path).json()["entries"]]
    second = api.get(path, params={"per_page": 2, "page": 2}).json()
    assert [s["uuid"] for s in second["entries"]] == every[2:] and len(every) == 3
    # A page asked for with `page` carries the keys of the lists before cursors: no cursor.
    assert second == {"entries": second["entries"], "has_more": False, "per_page": 2, "page": 2}
    first = api.get(path, params={"per_page": 2}).json()
    assert list(first) == ["entries", "has_more", "per_page", "page", "cursor"]
    via_cursor = api.get(path, params={"per_page": 2, "cursor": first["cursor"], "page": 1}).json()  # cursor wins
    assert [s["uuid"] for s in via_cursor["entries"]] == every[2:]
    # The cursor is a string on every cursor page, the last one too (recorded: `has_more` false, a cursor).
    assert list(via_cursor) == ["entries", "has_more", "cursor"] and via_cursor["has_more"] is False
    assert isinstance(via_cursor["cursor"], str)
    assert api.get(path, params={"per_page": 2, "cursor": via_cursor["cursor"]}).json()["entries"] == []
    assert api.get(path, params={"page": 0}).status_code == 400


@pytest.mark.parametrize("path", ["", "/all"])
def test_deleting_a_source_gives_back_the_customers_merged_into_its_own(api: httpx.Client, path: str) -> None:
    """What was imported through another source is not the deleted source's: it survives as its own customer."""
    ds, other = source(api), source(api, "Stripe")
    gold, silver = plan(api, ds, "Gold"), plan(api, other, "Silver")
    into, src = customer(api, ds, "into"), customer(api, other, "from", email="from@x.com")
    import_invoices(api, into["uuid"], invoice("i-1", gold["uuid"], "2024-01-01", "2024-02-01", 1000))
    import_invoices(api, src["uuid"], invoice("f-1", silver["uuid"], "2024-01-01", "2024-02-01", 2000))
    merge(api, src["uuid"], into["uuid"])
    settle(api)

    assert api.delete(f"/data_sources/{ds}{path}").status_code == 204
    settle(api)
    assert api.get(f"/customers/{into['uuid']}").status_code == 404
    [back] = api.get("/customers").json()["entries"]
    assert (back["external_id"], back["email"], back["data_source_uuid"], back["mrr"]) == (
        "from",
        "from@x.com",
        other,
        2000,
    )
    assert external_ids_of_invoices(api, back["uuid"]) == ["f-1"]
    january = api.get("/metrics/mrr", params={"start-date": "2024-01-01", "end-date": "2024-01-31"}).json()
    assert january["entries"][-1]["mrr"] == 2000
