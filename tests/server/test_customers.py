"""/v1/customers on SQLite and PostgreSQL: shapes, filters, search, attributes, merges, errors."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

CUSTOMER_KEYS = [
    "id", "uuid", "external_id", "name", "email", "status", "customer-since", "attributes", "data_source_uuid",
    "data_source_uuids", "external_ids", "company", "country", "state", "city", "zip", "lead_created_at",
    "free_trial_started_at", "address", "mrr", "arr", "billing-system-url", "chartmogul-url", "billing-system-type",
    "currency", "currency-sign", "owner", "website_url",
]  # fmt: skip
UUID_CUS = re.compile(r"^cus_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def create(api: httpx.Client, source: dict[str, Any], external_id: str, **fields: Any) -> dict[str, Any]:
    r = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": external_id, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def test_create_matches_the_recorded_shape(api: httpx.Client, source: dict[str, Any]) -> None:
    body = {
        "external_id": "cus_007",
        "name": "New Customer",
        "email": "new_customer@example.com",
        "city": "Berlin",
        "data_source_uuid": source["uuid"],
        "owner": "bruno+chartmogultest@chartmogul.com",
    }
    r = api.post("/customers", json=body)
    assert r.status_code == 201
    c = r.json()
    assert list(c) == CUSTOMER_KEYS  # website_url null when none was given (recorded 2024-03, 2025-03)
    assert UUID_CUS.match(c["uuid"]) and isinstance(c["id"], int)
    assert (c["status"], c["customer-since"], c["mrr"], c["arr"]) == ("New Lead", None, 0, 0)
    assert c["attributes"] == {"custom": {}, "stripe": {}, "tags": []}  # no clearbit since 2025
    assert c["data_source_uuids"] == [source["uuid"]] and c["external_ids"] == ["cus_007"]
    assert (c["company"], c["country"], c["state"], c["zip"]) == ("", None, None, None)
    assert c["address"] == {"country": None, "state": None, "city": "Berlin", "address_zip": None}
    assert c["chartmogul-url"] == f"https://app.chartmogul.com/#/customers/{c['id']}-New_Customer"
    assert (c["currency"], c["currency-sign"], c["billing-system-type"]) == ("USD", "$", "Custom")
    assert c["owner"] == "bruno+chartmogultest@chartmogul.com" and c["billing-system-url"] is None
    assert c["website_url"] is None


def test_full_profile_round_trips(api: httpx.Client, source: dict[str, Any]) -> None:
    c = create(
        api,
        source,
        "cus_002",
        name="John Smith",
        company="Initrode",
        country="us",
        state="CA",
        city="Mountain View",
        zip="12345",
        website_url="https://chartmogul.com",
        lead_created_at="2015-11-01 00:00:00",
        free_trial_started_at="2015-11-07T01:20:00Z",
        attributes={
            "tags": ["vip", "vip", "b2b"],
            "custom": [
                {"type": "Integer", "key": "seats", "value": 4},
                {"type": "Timestamp", "key": "renewal", "value": "2016-01-31 00:00:00"},
                {"type": "Boolean", "key": "trial", "value": True, "source": "crm"},
            ],
        },
    )
    assert c["country"] == "US" and c["website_url"] == "https://chartmogul.com"
    assert c["address"] == {
        "country": "United States",
        "state": "California",
        "city": "Mountain View",
        "address_zip": "12345",
    }
    assert c["lead_created_at"] == "2015-11-01T00:00:00.000Z"
    assert c["free_trial_started_at"] == "2015-11-07T01:20:00.000Z"
    assert c["attributes"]["tags"] == ["vip", "b2b"]
    assert c["attributes"]["custom"] == {"seats": 4, "renewal": "2016-01-31T00:00:00.000Z", "trial": True}
    assert c["chartmogul-url"].endswith("-Initrode")
    assert api.get(f"/customers/{c['uuid']}").json() == c


def test_required_fields_and_bad_values_are_422(api: httpx.Client, source: dict[str, Any]) -> None:
    r = api.post("/customers", json={})
    assert r.status_code == 422
    assert r.json() == {  # the recorded wording (2016)
        "errors": {
            "external_id": "A unique external ID is required for each customer.",
            "data_source_uuid": "A valid data source UUID is required for each customer.",
        }
    }
    r = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "x", "country": "USA"})
    assert (r.status_code, list(r.json()["errors"])) == (422, ["country"])
    r = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "x", "lead_created_at": "soon"})
    assert r.json() == {"errors": {"lead_created_at": "is not a valid date"}}
    r = api.post("/customers", json={"data_source_uuid": f"ds_{uuid.uuid4()}", "external_id": "x"})
    assert r.json() == {"errors": {"data_source_uuid": "Data source not found"}}
    bad_custom = {"custom": [{"type": "Integer", "key": "seats", "value": "four"}]}
    r = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "x", "attributes": bad_custom})
    assert r.status_code == 422 and "seats" in r.json()["errors"]["attributes.custom"]
    r = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "x", "name": 5})
    assert r.json() == {"code": 400, "message": "name must be a string", "param": "name"}
    assert api.get("/customers").json()["entries"] == []


def test_duplicate_external_id_per_data_source(api: httpx.Client, source: dict[str, Any]) -> None:
    create(api, source, "dup")
    r = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "dup"})
    assert r.status_code == 422
    assert r.json() == {"errors": {"external_id": "The external ID for this customer already exists in our system."}}
    other = api.post("/data_sources", json={"name": "Other"}).json()
    assert create(api, other, "dup")["external_id"] == "dup"  # unique per data source only


def test_list_filters(api: httpx.Client, source: dict[str, Any]) -> None:
    other = api.post("/data_sources", json={"name": "Stripe", "system": "Stripe"}).json()
    a = create(api, source, "a")
    b = create(api, other, "a")
    c = create(api, source, "c")
    api.patch(f"/customers/{c['uuid']}", json={"status": "Working_Lead"})

    def uuids(**params: str) -> list[str]:
        return [e["uuid"] for e in api.get("/customers", params=params).json()["entries"]]

    assert uuids() == [a["uuid"], b["uuid"], c["uuid"]]
    assert uuids(data_source_uuid=source["uuid"]) == [a["uuid"], c["uuid"]]
    assert uuids(external_id="a") == [a["uuid"], b["uuid"]]
    assert uuids(external_id="zzz") == []
    assert uuids(system="stripe") == [b["uuid"]]
    assert uuids(status="Working_Lead") == [c["uuid"]]
    assert uuids(status="New_Lead") == [a["uuid"], b["uuid"]]
    assert uuids(status="Active") == []


def test_list_first_page_keys_and_empty_list(api: httpx.Client, source: dict[str, Any]) -> None:
    assert api.get("/customers").json() == {
        "entries": [], "current_page": 1, "total_pages": 1, "has_more": False, "per_page": 200, "page": 1,
        "cursor": None,
    }  # fmt: skip
    for i in range(3):
        create(api, source, f"c{i}")
    first = api.get("/customers", params={"per_page": 1}).json()
    assert list(first) == ["entries", "current_page", "total_pages", "has_more", "per_page", "page", "cursor"]
    assert (first["current_page"], first["total_pages"], first["has_more"], first["per_page"]) == (1, 3, True, 1)
    second = api.get("/customers", params={"per_page": 1, "cursor": first["cursor"]}).json()
    assert list(second) == ["entries", "has_more", "cursor"]
    assert second["entries"][0]["external_id"] == "c1"


def test_retrieve_update_delete(api: httpx.Client, customer: dict[str, Any]) -> None:
    url = f"/customers/{customer['uuid']}"
    r = api.patch(url, json={"name": "Adam Jones", "country": "DE", "city": None, "attributes": {"tags": ["x"]}})
    assert r.status_code == 200
    updated = r.json()
    assert (updated["name"], updated["country"], updated["city"]) == ("Adam Jones", "DE", None)
    assert updated["address"]["country"] == "Germany" and updated["attributes"]["tags"] == ["x"]
    assert updated["email"] == "a@x.com"  # untouched
    r = api.patch(url, json={"attributes": {"custom": {"plan": "gold"}}, "status": "Qualified_Lead"})
    assert r.json()["attributes"]["custom"] == {"plan": "gold"} and r.json()["status"] == "Qualified Lead"
    assert api.patch(url, json={"status": "Active"}).status_code == 422
    assert api.get(url).json() == r.json()
    assert api.delete(url).status_code == 204
    recorded = {"code": 404, "message": f'Customer "{customer["uuid"][4:]}" does not exist', "param": "customer_id"}
    for method in ("GET", "PATCH", "DELETE"):
        missing = api.request(method, url, json={})
        assert (missing.status_code, missing.json()) == (404, recorded), method


def test_fields_added_since_2022(api: httpx.Client, customer: dict[str, Any]) -> None:
    url = f"/customers/{customer['uuid']}"
    assert (customer["website_url"], customer["owner"]) == (None, None)
    body = {"website_url": "https://example.com", "owner": "o@example.com", "company": "Initrode", "zip": "10115"}
    r = api.patch(url, json=body)
    assert r.status_code == 200, r.text
    assert {key: r.json()[key] for key in body} == body
    assert r.json()["address"]["address_zip"] == "10115"
    # An owner who is no user (not even an email) is ignored: 200, the owner kept (recorded 2023-10).
    r = api.patch(url, json={"owner": "nobody", "name": "Renamed"})
    assert (r.status_code, r.json()["owner"], r.json()["name"]) == (200, "o@example.com", "Renamed")
    assert api.patch(url, json={"website_url": None}).json()["website_url"] is None
    assert api.get(url).json()["company"] == "Initrode"


def test_an_invalid_email_is_the_recorded_422(api: httpx.Client, customer: dict[str, Any]) -> None:
    url = f"/customers/{customer['uuid']}"
    r = api.patch(url, json={"email": "not an email", "name": "Kept out"})
    assert (r.status_code, r.json()) == (
        422,
        {"code": 422, "message": "The value provided does not appear to be a valid email address.", "param": "email"},
    )
    assert r.headers["content-type"].startswith("application/json")
    assert api.get(url).json()["name"] == customer["name"]  # nothing applied
    assert api.patch(url, json={"email": ""}).json()["email"] == ""  # blank is no email, not an invalid one
    assert api.patch(url, json={"email": None}).json()["email"] == ""  # never null on the wire
    assert api.patch(url, json={"name": "x" * 256}).json() == {
        "errors": {"name": "is too long (maximum is 255 characters)"}
    }
    assert api.patch(url, json={"external_id": None}).json() == {
        "errors": {"external_id": "A unique external ID is required for each customer."}
    }


def test_primary_contact_creates_then_updates_the_first_contact(api: httpx.Client, source: dict[str, Any]) -> None:
    person = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "title": "CTO"}
    c = create(api, source, "pc", name="Analytical", primary_contact=person)
    assert "primary_contact" not in c
    contacts = api.get(f"/customers/{c['uuid']}/contacts").json()["entries"]
    assert [{key: e[key] for key in person} for e in contacts] == [person]
    assert contacts[0]["data_source_uuid"] == source["uuid"]
    r = api.patch(f"/customers/{c['uuid']}", json={"primary_contact": {"phone": "+44 20", "title": None}})
    assert r.status_code == 200 and "primary_contact" not in r.json()
    (updated,) = api.get(f"/customers/{c['uuid']}/contacts").json()["entries"]
    assert (updated["uuid"], updated["phone"], updated["title"], updated["email"]) == (
        contacts[0]["uuid"],
        "+44 20",
        None,
        "ada@example.com",
    )
    r = api.patch(f"/customers/{c['uuid']}", json={"primary_contact": {"email": "nope"}})
    assert (r.status_code, r.json()["param"]) == (422, "primary_contact.email")
    assert api.patch(f"/customers/{c['uuid']}", json={"primary_contact": "Ada"}).status_code == 400


def test_search_by_email(api: httpx.Client, source: dict[str, Any]) -> None:
    a = create(api, source, "a", email="same@x.com")
    b = create(api, source, "b", email="same@x.com")
    create(api, source, "c", email="other@x.com")
    body = api.get("/customers/search", params={"email": "same@x.com"}).json()
    assert [e["uuid"] for e in body["entries"]] == [a["uuid"], b["uuid"]]
    assert body["total_pages"] is None and body["has_more"] is False
    r = api.get("/customers/search", params={"email": "no@email.com"})
    assert r.status_code == 404
    assert r.json() == {
        "code": 404,
        "message": 'Can\'t find any customers with email: "no@email.com"',
        "param": "email",
    }
    assert api.get("/customers/search").status_code == 400


def test_tags_and_custom_attribute_endpoints(api: httpx.Client, customer: dict[str, Any]) -> None:
    base = f"/customers/{customer['uuid']}/attributes"
    r = api.post(f"{base}/tags", json={"tags": ["a", "b"]})
    assert (r.status_code, r.json()) == (200, {"tags": ["a", "b"]})
    assert api.post(f"{base}/tags", json={"tags": ["b", "c"]}).json() == {"tags": ["a", "b", "c"]}
    assert api.request("DELETE", f"{base}/tags", json={"tags": ["a"]}).json() == {"tags": ["b", "c"]}
    assert api.post(f"{base}/tags", json={"tags": "a"}).status_code == 400
    r = api.post(f"{base}/custom", json={"custom": [{"type": "String", "key": "channel", "value": "ads"}]})
    assert r.json() == {"custom": {"channel": "ads"}}
    assert api.put(f"{base}/custom", json={"custom": {"channel": "seo", "n": 2}}).json() == {
        "custom": {"channel": "seo", "n": 2}
    }
    assert api.request("DELETE", f"{base}/custom", json={"custom": ["n"]}).status_code == 204
    assert api.get(base).json() == {"tags": ["b", "c"], "stripe": {}, "custom": {"channel": "seo"}}
    by_email = api.post("/customers/attributes/tags", json={"email": "a@x.com", "tags": ["z"]})
    assert by_email.status_code == 200
    assert [e["attributes"]["tags"] for e in by_email.json()["entries"]] == [["b", "c", "z"]]
    assert api.post("/customers/attributes/tags", json={"email": "nobody@x.com", "tags": ["z"]}).status_code == 404


def test_merge_moves_invoices_and_ids(api: httpx.Client, source: dict[str, Any], plan: dict[str, Any]) -> None:
    from .conftest import invoice

    other = api.post("/data_sources", json={"name": "Other"}).json()
    into = create(api, source, "into", attributes={"tags": ["keep"]})
    src = create(api, other, "from", attributes={"tags": ["moved"]})
    other_plan = api.post(
        "/plans", json={"data_source_uuid": other["uuid"], "name": "P", "interval_count": 1, "interval_unit": "month"}
    ).json()
    assert (
        api.post(
            f"/import/customers/{src['uuid']}/invoices", json={"invoices": [invoice(other_plan["uuid"])]}
        ).status_code
        == 201
    )
    r = api.post(
        "/customers/merges", json={"from": {"customer_uuid": src["uuid"]}, "into": {"customer_uuid": into["uuid"]}}
    )
    assert (r.status_code, r.json()) == (202, {})
    merged = api.get(f"/customers/{into['uuid']}").json()
    assert merged["external_ids"] == ["into", "from"]
    assert merged["data_source_uuids"] == [source["uuid"], other["uuid"]]
    assert merged["attributes"]["tags"] == ["keep", "moved"]
    assert api.get(f"/customers/{src['uuid']}").status_code == 404
    invoices = api.get(f"/import/customers/{into['uuid']}/invoices").json()["invoices"]
    assert len(invoices) == 1 and invoices[0]["data_source_uuid"] == other["uuid"]
    by_ids = {"data_source_uuid": source["uuid"], "external_id": "into"}
    assert api.post("/customers/merges", json={"from": by_ids, "into": by_ids}).status_code == 422
    missing = {"customer_uuid": f"cus_{uuid.uuid4()}"}
    assert api.post("/customers/merges", json={"from": missing, "into": by_ids}).status_code == 404
    assert api.post("/customers/merges", json={"from": by_ids}).status_code == 400


def test_read_only_key_cannot_write(server: Any, ro_key: str, source: dict[str, Any]) -> None:
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        assert ro.get("/customers").status_code == 200
        assert ro.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "x"}).status_code == 403


def test_a_list_renders_each_customer_as_retrieving_it_does(api: httpx.Client, source: dict[str, Any]) -> None:
    # Lists render from their own query (by column position, the currency joined in): the same bytes as a retrieve.
    other = api.post("/data_sources", json={"name": "Elsewhere"}).json()
    plain = create(api, source, "plain")
    full = create(
        api,
        source,
        "full",
        name="Ada",
        company="Initrode Ltd",
        country="US",
        state="CA",
        city="Mountain View",
        zip="12345",
        website_url="https://example.com",
        owner="owner@example.com",
        lead_created_at="2015-11-01T00:00:00Z",
        attributes={"tags": ["a", "b"], "custom": [{"type": "Integer", "key": "seats", "value": 3}]},
    )
    gone = create(api, other, "gone")
    merge = {"from": {"customer_uuid": gone["uuid"]}, "into": {"customer_uuid": full["uuid"]}}
    assert api.post("/customers/merges", json=merge).status_code == 202
    listed = api.get("/customers", params={"data_source_uuid": source["uuid"]})
    singles = [api.get(f"/customers/{c['uuid']}") for c in (plain, full)]
    assert listed.json()["entries"] == [s.json() for s in singles]
    assert listed.content.startswith(b'{"entries":[' + singles[0].content + b"," + singles[1].content + b"]")
    assert listed.json()["entries"][1]["external_ids"] == ["full", "gone"]


@given(st.integers(min_value=-30_610_224_000_000_000, max_value=253_402_300_799_999_999))
def test_timestamp_formats_match_their_strftime_definitions(us: int) -> None:
    # iso_millis and iso_offset use isoformat for speed; the wire formats are defined by these strftime forms.
    from mogul.server.timefmt import from_us, iso_millis, iso_offset

    when = from_us(us)
    assert iso_millis.__wrapped__(us) == when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    assert iso_offset.__wrapped__(us) == when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_timestamp_formats_examples() -> None:
    from mogul.server.timefmt import iso_millis, iso_offset

    assert iso_millis(1_673_364_845_437_999) == "2023-01-10T15:34:05.437Z"
    assert iso_offset(1_451_649_600_999_999) == "2016-01-01T12:00:00+00:00"
    assert iso_millis(None) is None and iso_offset(None) is None
