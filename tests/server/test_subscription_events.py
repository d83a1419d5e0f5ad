"""`/v1/subscription_events`, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mogul.objects.subscription_events import EventType

from .processing_helpers import gt1, settle

TYPES = EventType.__args__
PRICE = {"plan_external_id": "gold", "currency": "USD", "amount_in_cents": 1000, "quantity": 1}
KEYS = [
    "id",
    "data_source_uuid",
    "customer_external_id",
    "subscription_set_external_id",
    "subscription_external_id",
    "plan_external_id",
    "event_date",
    "effective_date",
    "event_type",
    "external_id",
    "errors",
    "created_at",
    "updated_at",
    "quantity",
    "currency",
    "amount_in_cents",
    "tax_amount_in_cents",
    "retracted_event_id",
    "event_order",
    "disabled",
    "disabled_at",
    "disabled_by",
    "user_created",
]


def event(source: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "data_source_uuid": source["uuid"],
        "customer_external_id": "cus_001",
        "subscription_external_id": "sub_1",
        "event_type": "subscription_start_scheduled",
        "event_date": "2022-02-16",
        "effective_date": "2022-02-28",
        **PRICE,
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def create(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post("/subscription_events", json={"subscription_event": body})
    assert r.status_code == 201, r.text
    return r.json()


def test_create_answers_the_bare_event(api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]) -> None:
    made = create(
        api, event(source, amount_in_cents="1000", external_id="ev_1", effective_date="2022-02-28 10:11:12.9")
    )
    assert list(made) == KEYS
    assert isinstance(made["id"], int)
    assert made["event_date"] == "2022-02-16T00:00:00Z"  # a day -> midnight, no milliseconds
    assert made["effective_date"] == "2022-02-28T10:11:12Z"
    assert made["amount_in_cents"] == 1000  # a string of digits is answered as the integer
    assert (made["errors"], made["disabled"], made["disabled_at"], made["user_created"]) == ({}, False, None, False)
    assert made["created_at"].endswith("Z") and len(made["created_at"]) == 20
    assert made["tax_amount_in_cents"] is None and made["retracted_event_id"] is None
    assert "subscription_event" not in made


def test_every_type_with_its_required_fields(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]
) -> None:
    first = create(api, event(source))
    for n, kind in enumerate(TYPES):
        bare = event(source, event_type=kind, **dict.fromkeys(PRICE), external_id=f"bare_{n}")
        r = api.post("/subscription_events", json={"subscription_event": bare})
        if kind in (
            "subscription_start",
            "subscription_start_scheduled",
            "subscription_updated",
            "subscription_update_scheduled",
        ):
            assert r.status_code == 422, kind
            assert {d["param"] for d in r.json()["error_details"]} == set(PRICE), kind
            create(api, {**bare, **PRICE})
        elif kind == "subscription_event_retracted":
            assert r.status_code == 422
            assert r.json()["error_details"] == [
                {"param": "retracted_event_id", "code": "blank", "message": "Retracted event id can't be blank"}
            ]
            unknown = api.post(
                "/subscription_events", json={"subscription_event": {**bare, "retracted_event_id": 999999}}
            )
            assert unknown.json()["error_details"][0]["code"] == "invalid"
            retraction = create(api, {**bare, "retracted_event_id": first["id"]})
            assert retraction["retracted_event_id"] == str(first["id"])  # a string, as the clients type it
        else:
            assert r.status_code == 201, (kind, r.text)
    listed = api.get("/subscription_events").json()["subscription_events"]
    assert {e["event_type"] for e in listed} == set(TYPES)
    # A cancellation with a blank plan, as recorded in 2022.
    cancelled = create(
        api, event(source, event_type="subscription_cancelled", plan_external_id="", amount_in_cents=None)
    )
    assert cancelled["plan_external_id"] == "" and cancelled["amount_in_cents"] is None


def test_validation_errors_in_the_newest_form(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]
) -> None:
    r = api.post("/subscription_events", json={"subscription_event": {}})
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"error", "error_details"}
    assert {d["param"] for d in body["error_details"]} == {
        "data_source_uuid",
        "customer_external_id",
        "subscription_external_id",
        "event_type",
        "event_date",
        "effective_date",
    }
    assert body["error_details"][0] == {
        "param": "data_source_uuid",
        "code": "blank",
        "message": "Data source uuid can't be blank",
    }
    cases = {
        "unknown source": (event(source, data_source_uuid="ds_nope"), "data_source_uuid"),
        "unknown customer": (event(source, customer_external_id="nobody"), "customer_external_id"),
        "bad type": (event(source, event_type="subscription_paused"), "event_type"),
        "bad date": (event(source, event_date="yesterday"), "event_date"),
        "bad currency": (event(source, currency="XYZ"), "currency"),
        "bad amount": (event(source, amount_in_cents="12.5"), "amount_in_cents"),
    }
    for name, (bad, param) in cases.items():
        r = api.post("/subscription_events", json={"subscription_event": bad})
        assert r.status_code == 422, name
        assert [d["param"] for d in r.json()["error_details"]] == [param], name
    create(api, event(source, external_id="dup"))
    dup = api.post("/subscription_events", json={"subscription_event": event(source, external_id="dup")})
    assert dup.status_code == 422
    assert dup.json()["error_details"] == [
        {"param": "external_id", "code": "taken", "message": "External id has already been taken"}
    ]
    # Malformed: no envelope, a wrong JSON type.
    flat = api.post("/subscription_events", json=event(source))
    assert flat.status_code == 400 and flat.json()["param"] == "subscription_event"
    assert api.post("/subscription_events", json={"subscription_event": []}).status_code == 400
    wrong = api.post("/subscription_events", json={"subscription_event": event(source, quantity=True)})
    assert wrong.status_code == 400


def test_list_filters_envelope_and_paging(api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]) -> None:
    api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "cus_002"})
    made = [
        create(api, event(source, external_id="a", event_date="2022-01-01")),
        create(api, event(source, external_id="b", customer_external_id="cus_002", event_date="2022-01-02T10:00:00Z")),
        create(api, event(source, external_id="c", event_type="subscription_cancelled", plan_external_id="silver")),
    ]
    page = api.get("/subscription_events?per_page=2").json()
    assert list(page) == ["subscription_events", "meta", "cursor", "has_more"]
    assert [e["id"] for e in page["subscription_events"]] == [made[2]["id"], made[1]["id"]]  # newest first
    assert page["has_more"] is True
    meta = page["meta"]
    assert (meta["next_key"], meta["prev_key"], meta["page"], meta["total_pages"]) == (made[1]["id"], None, 1, 2)
    assert meta["before_key"].endswith("Z")
    rest = api.get(f"/subscription_events?per_page=2&cursor={page['cursor']}").json()
    assert [e["id"] for e in rest["subscription_events"]] == [made[0]["id"]]
    assert rest["has_more"] is False and rest["cursor"] is not None
    assert (rest["meta"]["page"], rest["meta"]["next_key"]) == (2, None)

    def ids(query: str) -> list[int]:
        r = api.get(f"/subscription_events?{query}")
        assert r.status_code == 200, (query, r.text)
        return [e["id"] for e in r.json()["subscription_events"]]

    assert ids(f"data_source_uuid={source['uuid']}") == [e["id"] for e in reversed(made)]
    assert ids("data_source_uuid=ds_other") == []
    assert ids("customer_external_id=cus_002") == [made[1]["id"]]
    assert ids("external_id=a") == [made[0]["id"]]
    assert ids("plan_external_id=silver") == [made[2]["id"]]
    assert ids("event_type=subscription_cancelled") == [made[2]["id"]]
    assert ids("subscription_external_id=sub_1&event_date=2022-01-02") == [made[1]["id"]]  # a day: all of it
    assert ids("event_date=2022-01-02T10:00:00Z") == [made[1]["id"]]
    assert ids("event_date=2022-01-02T10:00:01Z") == []
    assert ids("effective_date=2022-02-28&with_disabled=True&include_edit_histories=false") == ids("")
    empty = api.get("/subscription_events?external_id=none").json()
    assert empty["meta"]["page"] == 0 and empty["meta"]["total_pages"] == 0 and empty["cursor"] is None
    for bad in ("event_type=nope", "event_date=soon", "with_disabled=maybe", "per_page=0", "cursor=x"):
        assert api.get(f"/subscription_events?{bad}").status_code == 400, bad


def test_update_by_id_or_by_external_id(api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]) -> None:
    made = create(api, event(source, external_id="ev"))
    by_id = api.patch("/subscription_events", json={"subscription_event": {"id": made["id"], "amount_in_cents": 2500}})
    assert by_id.status_code == 200
    assert by_id.json()["amount_in_cents"] == 2500 and by_id.json()["created_at"] == made["created_at"]
    key = {"data_source_uuid": source["uuid"], "external_id": "ev"}
    changed = api.patch(
        "/subscription_events",
        json={"subscription_event": {**key, "event_date": "2023-01-01", "quantity": "3", "event_order": 2}},
    ).json()
    assert (changed["event_date"], changed["quantity"], changed["event_order"]) == ("2023-01-01T00:00:00Z", 3, 2)
    renamed = api.patch("/subscription_events", json={"subscription_event": {"id": made["id"], "external_id": "ev2"}})
    assert renamed.json()["external_id"] == "ev2"
    # The event is checked again as a whole: a priced type cannot lose its price.
    unpriced = api.patch("/subscription_events", json={"subscription_event": {"id": made["id"], "currency": None}})
    assert unpriced.status_code == 422 and unpriced.json()["error_details"][0]["param"] == "currency"
    missing = api.patch("/subscription_events", json={"subscription_event": {"id": 999999, "quantity": 1}})
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "Subscription event not found",
        "error_details": [{"param": "id", "code": "not_found", "message": "Subscription event not found"}],
    }
    huge = 2**40  # beyond the id column: names nothing (PostgreSQL would refuse to compare it)
    assert (
        api.patch("/subscription_events", json={"subscription_event": {"id": huge, "quantity": 1}}).status_code == 404
    )
    assert api.delete(f"/subscription_events?subscription_event%5Bid%5D={huge}").status_code == 404
    assert api.patch(f"/subscription_events/{huge}/disabled_state", json={"disabled": True}).status_code == 404
    retract = event(source, event_type="subscription_event_retracted", retracted_event_id=str(huge))
    assert api.post("/subscription_events", json={"subscription_event": retract}).status_code == 422
    elsewhere = {"id": made["id"], "data_source_uuid": "ds_other", "quantity": 1}
    assert api.patch("/subscription_events", json={"subscription_event": elsewhere}).status_code == 404
    nameless = api.patch("/subscription_events", json={"subscription_event": {"quantity": 1}})
    assert nameless.status_code == 400 and nameless.json()["param"] == "id"


def test_delete_from_a_json_body_or_a_bracketed_query(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]
) -> None:
    a, b, _ = (create(api, event(source, external_id=name)) for name in "abc")
    r = api.request("DELETE", "/subscription_events", json={"subscription_event": {"id": a["id"]}})
    assert (r.status_code, r.content) == (204, b"")
    r = api.delete(f"/subscription_events?subscription_event%5Bid%5D={b['id']}")  # ruby's form
    assert r.status_code == 204
    query = f"subscription_event%5Bdata_source_uuid%5D={source['uuid']}&subscription_event%5Bexternal_id%5D=c"
    assert api.delete(f"/subscription_events?{query}").status_code == 204
    assert api.get("/subscription_events").json()["subscription_events"] == []
    assert api.delete(f"/subscription_events?subscription_event%5Bid%5D={a['id']}").status_code == 404
    assert api.delete("/subscription_events").status_code == 400
    by_key = {"subscription_event": {"data_source_uuid": source["uuid"], "external_id": "a"}}
    assert api.request("DELETE", "/subscription_events", json=by_key).status_code == 404


def test_disabling_is_refused_for_api_sources(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]
) -> None:
    made = create(api, event(source, external_id="ev"))
    key = {"data_source_uuid": source["uuid"], "external_id": "ev"}
    for path, body in [
        (f"/subscription_events/{made['id']}/disabled_state", {"disabled": True}),
        ("/subscription_events/disabled_state", {**key, "disabled": True}),  # python, n8n
        ("/subscription_events/disabled_state", {"subscription_event": key, "disabled": False}),  # ruby
    ]:
        r = api.patch(path, json=body)
        assert r.status_code == 422, (path, body)
        [detail] = r.json()["error_details"]
        assert detail["param"] == "data_source_uuid" and "automatic" in detail["message"]
        assert r.json()["error"] == detail["message"]
    assert api.patch("/subscription_events/999999/disabled_state", json={"disabled": True}).status_code == 404
    assert api.patch(f"/subscription_events/{made['id']}/disabled_state", json={}).status_code == 400
    unknown = {"data_source_uuid": source["uuid"], "external_id": "nope", "disabled": True}
    assert api.patch("/subscription_events/disabled_state", json=unknown).status_code == 404
    assert api.get("/subscription_events").json()["subscription_events"][0]["disabled"] is False


def test_events_change_no_mrr_activity_or_subscription(api: httpx.Client) -> None:
    """Subscription events feed committed MRR only; everything else comes from invoices."""
    made = gt1(api)
    settle(api)
    cus_uuid = made["customer"]["uuid"]

    def state() -> tuple[Any, ...]:
        customer = api.get(f"/customers/{cus_uuid}").json()
        return (
            customer["mrr"],
            customer["status"],
            api.get("/activities").json()["entries"],
            api.get(f"/customers/{cus_uuid}/subscriptions").json()["entries"],
            api.get("/metrics/mrr?start-date=2024-01-01&end-date=2024-12-31&interval=month").json(),
            api.get("/customers").json()["entries"],
        )

    before = state()
    source_uuid = made["ds"]
    external = made["customer"]["external_id"]
    for kind in ("subscription_cancelled", "subscription_update_scheduled", "subscription_start"):
        body = {
            "data_source_uuid": source_uuid,
            "customer_external_id": external,
            "subscription_external_id": "sub_new",
            "event_type": kind,
            "event_date": "2024-02-10",
            "effective_date": "2024-03-01",
            **PRICE,
            "amount_in_cents": 999_999,
        }
        create(api, body)
    settle(api)
    assert state() == before


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_read_only_keys_cannot_write(server: Any, ro_key: str, method: str) -> None:
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        r = ro.request(method, "/subscription_events", json={"subscription_event": {"id": 1}})
        assert r.status_code == 403
        assert ro.get("/subscription_events").status_code == 200


def test_read_only_keys_cannot_disable(server: Any, ro_key: str) -> None:
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        assert ro.patch("/subscription_events/1/disabled_state", json={"disabled": True}).status_code == 403
        body = {"data_source_uuid": "ds_x", "external_id": "e", "disabled": True}
        assert ro.patch("/subscription_events/disabled_state", json=body).status_code == 403
