"""GET/POST/DELETE /v1/data_sources exactly as the recorded answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid

import httpx

UUID_DS = re.compile(r"^ds_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CREATED_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SEED_KEYS = {"uuid", "name", "system", "created_at", "status"}


def test_create_returns_201_and_the_seed_shape(api: httpx.Client) -> None:
    r = api.post("/data_sources", json={"name": "In-house billing"})
    assert r.status_code == 201
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == SEED_KEYS
    assert UUID_DS.match(body["uuid"])
    assert CREATED_AT.match(body["created_at"])
    assert (body["name"], body["system"], body["status"]) == ("In-house billing", "Custom", "idle")


def test_list_is_newest_first_and_has_no_pagination_keys(api: httpx.Client) -> None:
    assert api.get("/data_sources").json() == {"data_sources": []}
    older = api.post("/data_sources", json={"name": "Enterprise billing connection"}).json()
    newer = api.post("/data_sources", json={"name": "In-house billing"}).json()
    body = api.get("/data_sources").json()
    assert list(body) == ["data_sources"]
    assert body["data_sources"] == [newer, older]


def test_list_filters_by_name_and_system(api: httpx.Client) -> None:
    api.post("/data_sources", json={"name": "A"})
    api.post("/data_sources", json={"name": "B", "system": "Stripe"})
    assert [s["name"] for s in api.get("/data_sources", params={"name": "A"}).json()["data_sources"]] == ["A"]
    assert api.get("/data_sources", params={"name": "nope"}).json() == {"data_sources": []}
    by_system = api.get("/data_sources", params={"system": "stripe"}).json()["data_sources"]
    assert [s["name"] for s in by_system] == ["B"]
    custom = api.get("/data_sources", params={"system": "Custom"}).json()["data_sources"]
    assert [s["name"] for s in custom] == ["A"]


def test_with_flags_add_their_blocks_only_when_true(api: httpx.Client) -> None:
    created = api.post("/data_sources", json={"name": "Flags"}).json()
    plain = api.get(f"/data_sources/{created['uuid']}").json()
    assert set(plain) == SEED_KEYS
    params = {
        "with_processing_status": "true",
        "with_auto_churn_subscription_setting": "true",
        "with_invoice_handling_setting": "true",
    }
    for url in (f"/data_sources/{created['uuid']}", "/data_sources"):
        body = api.get(url, params=params).json()
        item = body if "uuid" in body else body["data_sources"][0]
        assert item["processing_status"] == {"processed": 0, "failed": 0, "pending": 0}
        assert item["auto_churn_subscription_setting"] == {"enabled": False, "interval": None}
        handling = item["invoice_handling_setting"]
        assert set(handling) == {"manual", "automatic"}
        assert handling["manual"]["create_subscription_when_invoice_is"] == "paid"  # "Invoice handling" page
    false_flags = api.get("/data_sources", params={k: "false" for k in params}).json()["data_sources"][0]
    assert set(false_flags) == SEED_KEYS


def test_bad_flag_value_is_400(api: httpx.Client) -> None:
    r = api.get("/data_sources", params={"with_processing_status": "maybe"})
    assert r.status_code == 400
    assert r.json() == {
        "code": 400,
        "message": "with_processing_status must be true or false",
        "param": "with_processing_status",
    }


def test_retrieve_and_unknown_uuid(api: httpx.Client) -> None:
    created = api.post("/data_sources", json={"name": "One"}).json()
    assert api.get(f"/data_sources/{created['uuid']}").json() == created
    # A trailing slash names the same resource (the reference shows both spellings).
    assert api.get(f"/data_sources/{created['uuid']}/").json() == created
    missing = api.get(f"/data_sources/ds_{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Data source not found"}


def test_delete_is_204_then_404(api: httpx.Client) -> None:
    created = api.post("/data_sources", json={"name": "Doomed"}).json()
    r = api.delete(f"/data_sources/{created['uuid']}")
    assert r.status_code == 204
    assert r.content == b""
    assert api.get(f"/data_sources/{created['uuid']}").status_code == 404
    again = api.delete(f"/data_sources/{created['uuid']}")
    assert again.status_code == 404
    assert again.json() == {"error": "Data source not found"}
    # The name is free again once its source is gone.
    assert api.post("/data_sources", json={"name": "Doomed"}).status_code == 201


def test_null_or_blank_name_is_422_and_no_name_400(api: httpx.Client) -> None:
    expected = {"errors": {"name": "A name is required for each data source."}}
    for body in ({"name": None}, {"name": ""}, {"name": "   "}, {"name": None, "system": "Stripe"}):
        r = api.post("/data_sources", json=body)
        assert (r.status_code, r.json()) == (422, expected), body
    missing = {"code": 400, "message": 'Parameter "name" is missing', "param": "name"}
    for body in ({}, {"system": "Stripe"}):  # no name at all: a missing parameter, not a refused value
        r = api.post("/data_sources", json=body)
        assert (r.status_code, r.json()) == (400, missing), body
    assert api.get("/data_sources").json() == {"data_sources": []}


def test_duplicate_name_is_422(api: httpx.Client) -> None:
    assert api.post("/data_sources", json={"name": "Twice"}).status_code == 201
    r = api.post("/data_sources", json={"name": "Twice"})
    assert r.status_code == 422
    assert r.json() == {"errors": {"name": "Has already been taken."}}
    assert len(api.get("/data_sources").json()["data_sources"]) == 1


def test_overlong_name_is_422(api: httpx.Client) -> None:
    r = api.post("/data_sources", json={"name": "x" * 256})
    assert r.status_code == 422
    assert "name" in r.json()["errors"]
    assert api.post("/data_sources", json={"name": "x" * 255}).status_code == 201


def test_unicode_names_round_trip(api: httpx.Client) -> None:
    name = "Facturación 請求 🧾"
    created = api.post("/data_sources", json={"name": name}).json()
    assert api.get(f"/data_sources/{created['uuid']}").json()["name"] == name
