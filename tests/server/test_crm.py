"""The CRM families over raw HTTP: exact status codes, envelopes, cursors, error bodies,
filters, contact merges and what happens to a customer's CRM objects when it is deleted or merged."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer

CURSOR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z&(.+)$")


def contact_body(customer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"customer_uuid": customer["uuid"], "data_source_uuid": customer["data_source_uuid"], **extra}


def note_body(customer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"customer_uuid": customer["uuid"], "type": "note", "text": "Hello", **extra}


def opportunity_body(customer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "customer_uuid": customer["uuid"],
        "owner": "owner@example.com",
        "pipeline": "New Business",
        "pipeline_stage": "Discovery",
        "estimated_close_date": "2024-03-30",
        "currency": "USD",
        "amount_in_cents": 100000,
        **extra,
    }


def task_body(customer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "customer_uuid": customer["uuid"],
        "task_details": "Call back",
        "assignee": "keith@example.com",
        "due_date": "2025-04-30",
        **extra,
    }


# path, body maker, key, noun in 404s, param in 404s, uuid prefix
FAMILIES = [
    ("/contacts", contact_body, "uuid", "Contact", "contact_uuid", "con_"),
    ("/customer_notes", note_body, "uuid", "Note", "note_uuid", "note_"),
    ("/notes", note_body, "uuid", "Note", "note_uuid", "note_"),
    ("/opportunities", opportunity_body, "uuid", "Opportunity", "opportunity_uuid", ""),
    ("/tasks", task_body, "task_uuid", "Task", "task_uuid", ""),
]
IDS = [f[0].strip("/") for f in FAMILIES]


@pytest.mark.parametrize(("path", "body", "key", "noun", "param", "prefix"), FAMILIES, ids=IDS)
def test_crud_status_codes_and_bodies(
    api: httpx.Client, customer: dict[str, Any], path: str, body: Any, key: str, noun: str, param: str, prefix: str
) -> None:
    created = api.post(path, json=body(customer))
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "application/json"
    uuid = created.json()[key]
    assert uuid.startswith(prefix) and re.fullmatch(r"[0-9a-f-]{36}", uuid.removeprefix(prefix))
    assert created.json()["customer_uuid"] == customer["uuid"]

    got = api.get(f"{path}/{uuid}")
    assert got.status_code == 200 and got.json() == created.json()
    changed = api.patch(f"{path}/{uuid}", json={})
    assert changed.status_code == 200 and changed.json()[key] == uuid

    deleted = api.delete(f"{path}/{uuid}")
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert deleted.headers["content-type"] == "application/json"
    for method in ("GET", "PATCH", "DELETE"):
        gone = api.request(method, f"{path}/{uuid}", json={} if method == "PATCH" else None)
        assert gone.status_code == 404
        bare = uuid.removeprefix(prefix)
        assert gone.json() == {"code": 404, "message": f'{noun} "{bare}" does not exist', "param": param}


@pytest.mark.parametrize(("path", "body", "key", "noun", "param", "prefix"), FAMILIES, ids=IDS)
def test_lists_page_newest_first_with_the_recorded_cursor(
    api: httpx.Client, customer: dict[str, Any], path: str, body: Any, key: str, noun: str, param: str, prefix: str
) -> None:
    made = [api.post(path, json=body(customer)).json()[key] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        page = api.get(path, params={"per_page": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        data = page.json()
        assert list(data) == ["entries", "cursor", "has_more"]  # no page keys, in the recorded order
        seen += [entry[key] for entry in data["entries"]]
        decoded = base64.b64decode(data["cursor"]).decode()
        match = CURSOR.match(decoded)
        assert match and match.group(1) == data["entries"][-1][key]  # the key is the object's own uuid
        if not data["has_more"]:
            break
        cursor = data["cursor"]
    assert seen == list(reversed(made))
    # `page` is ignored, as ChartMogul ignored it on /contacts.
    assert api.get(path, params={"page": 3, "per_page": 1}).json()["entries"][0][key] == made[-1]
    empty = api.get(path, params={"customer_uuid": "cus_unknown"}).json()
    assert empty == {"entries": [], "cursor": None, "has_more": False}
    for bad in ({"cursor": "bm9wZQ=="}, {"per_page": "0"}, {"per_page": "201"}):
        refused = api.get(path, params=bad)
        assert refused.status_code == 400 and refused.json()["param"] in ("cursor", "per_page")


@pytest.mark.parametrize(("path", "body", "key", "noun", "param", "prefix"), FAMILIES, ids=IDS)
def test_bad_input_is_a_coded_4xx(
    api: httpx.Client, customer: dict[str, Any], path: str, body: Any, key: str, noun: str, param: str, prefix: str
) -> None:
    unknown = api.post(path, json=body(customer, customer_uuid="cus_00000000-0000-0000-0000-000000000000"))
    assert unknown.status_code == 422
    assert unknown.json() == {
        "code": 422,
        "message": 'Customer "00000000-0000-0000-0000-000000000000" does not exist',
        "param": "customer_uuid",
    }
    malformed = api.post(path, json=body(customer, customer_uuid="not-a-uuid"))
    assert malformed.status_code == 422 and malformed.json()["param"] == "customer_uuid"
    missing = api.post(path, json={})
    assert missing.status_code == 422 and set(missing.json()) == {"code", "message", "param"}
    wrong_type = api.post(path, json=body(customer, customer_uuid=5))
    assert wrong_type.status_code == 400 and wrong_type.json()["param"] == "customer_uuid"
    not_json = api.post(path, content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    for uuid in ("nope", "con_%20", "x" * 300):
        assert api.get(f"{path}/{uuid}").status_code == 404
    overlong = api.get(path, params={"customer_uuid": "x" * 5000})
    assert overlong.status_code == 400 and overlong.json()["code"] == 400
    long_text = api.post(path, json=body(customer, notes="x" * 10_001, text="x" * 10_001))
    assert long_text.status_code == 400


def test_field_rules(api: httpx.Client, customer: dict[str, Any]) -> None:
    long = "x" * 256
    cases = [
        ("/contacts", contact_body(customer, first_name=long), "first_name"),
        ("/contacts", contact_body(customer, email="not an email"), "email"),
        ("/contacts", contact_body(customer, position=-1), "position"),
        ("/contacts", contact_body(customer, custom=[{"key": "bad key!", "value": 1}]), "custom.key"),
        ("/contacts", contact_body(customer, data_source_uuid="ds_00000000-0000-0000-0000-000000000000"), None),
        ("/customer_notes", note_body(customer, type="memo"), "type"),
        ("/customer_notes", note_body(customer, call_duration=-5), "call_duration"),
        ("/customer_notes", note_body(customer, created_at="yesterday"), "created_at"),
        ("/opportunities", opportunity_body(customer, win_likelihood=101), "win_likelihood"),
        ("/contacts", contact_body(customer, position=2**31), "position"),
        ("/opportunities", opportunity_body(customer, estimated_close_date="2024-02-30"), "estimated_close_date"),
        ("/opportunities", opportunity_body(customer, estimated_close_date="20240301"), "estimated_close_date"),
        ("/opportunities", opportunity_body(customer, forecast_category="maybe"), "forecast_category"),
        ("/opportunities", opportunity_body(customer, pipeline=" "), "pipeline"),
        ("/tasks", task_body(customer, task_details=long), "task_details"),
        ("/tasks", task_body(customer, due_date="soon"), "due_date"),
        ("/tasks", task_body(customer, assignee=None), "assignee"),
    ]
    for path, body, param in cases:
        r = api.post(path, json=body)
        assert r.status_code == 422, (path, body, r.text)
        assert set(r.json()) == {"code", "message", "param"} and r.json()["code"] == 422
        assert r.json()["param"] == (param or "data_source_uuid"), r.text
    wrong_types = [
        ("/contacts", contact_body(customer, position="1")),
        ("/contacts", contact_body(customer, custom="x")),
        ("/customer_notes", note_body(customer, text=["x"])),
        ("/opportunities", opportunity_body(customer, amount_in_cents="100")),
        ("/opportunities", opportunity_body(customer, amount_in_cents=2**63)),  # past 64 bits: the request limits
        ("/tasks", task_body(customer, completed_at=5)),
    ]
    for path, body in wrong_types:
        assert api.post(path, json=body).status_code == 400, (path, body)


def test_contact_defaults_and_custom(api: httpx.Client, customer: dict[str, Any]) -> None:
    minimal = api.post("/contacts", json=contact_body(customer)).json()
    assert minimal["position"] == 1 and minimal["custom"] == {} and minimal["external_id"] is None
    assert all(minimal[k] is None for k in ("first_name", "last_name", "title", "email", "phone", "notes"))
    assert "last_seen" not in minimal
    nine = api.post("/contacts", json=contact_body(customer, position=9)).json()
    assert nine["position"] == 9
    after = api.post(f"/customers/{customer['uuid']}/contacts", json={"data_source_uuid": customer["data_source_uuid"]})
    assert after.status_code == 201 and after.json()["position"] == 10
    duplicate = api.post("/contacts", json=contact_body(customer, position=9)).json()
    assert duplicate["position"] == 9  # an explicit position is kept even if taken
    highest = api.post("/contacts", json=contact_body(customer, position=2**31 - 1)).json()["position"]
    beyond = api.post("/contacts", json=contact_body(customer)).json()["position"]
    assert highest == beyond == 2**31 - 1  # the default stays within the bound a client may send back

    patched = api.patch(
        f"/contacts/{minimal['uuid']}",
        json={"custom": [{"key": "A", "value": 1}], "external_id": "ext-1", "last_seen": "2024-01-02 03:04:05 UTC"},
    ).json()
    assert patched["custom"] == {"A": 1} and patched["external_id"] == "ext-1"
    assert patched["last_seen"] == "2024-01-02T03:04:05.000Z"
    again = api.patch(f"/contacts/{minimal['uuid']}", json={"custom": {"B": "x"}, "external_id": None}).json()
    assert again["custom"] == {"A": 1, "B": "x"} and again["external_id"] is None
    keyless = api.patch(f"/contacts/{minimal['uuid']}", json={"custom": [{"value": 1}]})
    assert keyless.status_code == 422 and keyless.json()["param"] == "custom.key"


def test_contact_filters(api: httpx.Client, customer: dict[str, Any], source: dict[str, Any]) -> None:
    other = api.post(
        "/customers", json={"data_source_uuid": source["uuid"], "external_id": "cus_002", "name": "B"}
    ).json()
    a = api.post("/contacts", json=contact_body(customer, email="a@example.com")).json()
    b = api.post("/contacts", json=contact_body(other, email="b@example.com")).json()

    def uuids(**params: str) -> list[str]:
        return [c["uuid"] for c in api.get("/contacts", params=params).json()["entries"]]

    assert uuids(customer_uuid=customer["uuid"]) == [a["uuid"]]
    assert uuids(customer_external_id="cus_002") == [b["uuid"]]
    assert uuids(email="a@example.com", customer_uuid=other["uuid"]) == []
    assert uuids(data_source_uuid=source["uuid"]) == [b["uuid"], a["uuid"]]
    assert uuids(email="") == [b["uuid"], a["uuid"]]  # empty is not given
    nested = api.get(f"/customers/{other['uuid']}/contacts").json()
    assert [c["uuid"] for c in nested["entries"]] == [b["uuid"]] and list(nested) == ["entries", "cursor", "has_more"]
    unknown = api.get("/customers/cus_00000000-0000-0000-0000-000000000000/contacts")
    assert unknown.status_code == 404 and unknown.json()["param"] == "customer_uuid"
    assert api.post("/customers/nope/contacts", json={"data_source_uuid": source["uuid"]}).status_code == 404


def test_contact_data_source_must_be_the_customers(api: httpx.Client, customer: dict[str, Any]) -> None:
    elsewhere = api.post("/data_sources", json={"name": "Other"}).json()
    r = api.post("/contacts", json=contact_body(customer, data_source_uuid=elsewhere["uuid"]))
    assert r.status_code == 422 and r.json()["param"] == "data_source_uuid"


def test_contact_merge_rules(api: httpx.Client, customer: dict[str, Any]) -> None:
    into = api.post(
        "/contacts",
        json=contact_body(
            customer,
            title="",
            linked_in="https://linkedin.com/in/into",
            notes="Heading\nBody\nFooter",
            custom=[{"key": "Toggle", "value": False}, {"key": "Shared", "value": "into"}],
            position=3,
        ),
    ).json()
    src = api.post(
        "/contacts",
        json=contact_body(
            customer,
            title="CTO",
            first_name="From",
            linked_in="https://linkedin.com/in/from",
            notes="This contact was merged",
            custom=[{"key": "Shared", "value": "from"}, {"key": "Extra", "value": 1}],
            position=7,
        ),
    ).json()
    merged = api.post(f"/contacts/{into['uuid']}/merge/{src['uuid']}")
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["customer_uuid"] is None and body["uuid"] == into["uuid"]
    assert body["title"] == "CTO" and body["first_name"] == "From"
    assert body["linked_in"] == "https://linkedin.com/in/into" and body["position"] == 3
    assert body["notes"] == "Heading\nBody\nFooter This contact was merged"
    assert body["custom"] == {"Toggle": False, "Shared": "into", "Extra": 1}
    assert api.get(f"/contacts/{src['uuid']}").status_code == 404
    assert api.get(f"/contacts/{into['uuid']}").json()["customer_uuid"] == customer["uuid"]
    self_merge = api.post(f"/contacts/{into['uuid']}/merge/{into['uuid']}", json={})
    assert self_merge.status_code == 422 and self_merge.json()["param"] == "from_uuid"
    missing = api.post(f"/contacts/{into['uuid']}/merge/con_00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["param"] == "contact_uuid"


def test_note_rules(api: httpx.Client, customer: dict[str, Any]) -> None:
    call = api.post("/customer_notes", json=note_body(customer, type="call")).json()
    assert call["call_duration"] == 60 and call["author"] == "tests (API key)"
    assert call["created_at"] == call["updated_at"]
    back = api.post("/customer_notes", json=note_body(customer, created_at="2023-12-15T12:25:56.950Z")).json()
    assert back["created_at"] == "2023-12-15T12:25:56.950Z" and back["call_duration"] == 0
    # The backdated note sorts by its created_at: last.
    listed = api.get("/customer_notes").json()["entries"]
    assert [n["uuid"] for n in listed] == [call["uuid"], back["uuid"]]
    changed = api.patch(f"/customer_notes/{back['uuid']}", json={"author_email": "sara@example.com"}).json()
    assert changed["author"] == "sara (sara@example.com)" and changed["updated_at"] > back["updated_at"]
    assert [n["uuid"] for n in api.get("/customer_notes?author_email=sara@example.com").json()["entries"]] == [
        back["uuid"]
    ]
    assert api.get("/customer_notes", params={"type": "memo"}).status_code == 400
    stamped = api.patch(f"/customer_notes/{back['uuid']}", json={"updated_at": "2024-01-01"}).json()
    assert stamped["updated_at"] == "2024-01-01T00:00:00.000Z"


def test_opportunity_rules(api: httpx.Client, customer: dict[str, Any]) -> None:
    made = api.post("/opportunities", json=opportunity_body(customer, currency="eur")).json()
    assert (made["type"], made["forecast_category"], made["win_likelihood"]) == ("recurring", "pipeline", 0)
    assert made["currency"] == "EUR" and made["estimated_close_date"] == "2024-03-30" and made["custom"] == {}
    later = api.post("/opportunities", json=opportunity_body(customer, estimated_close_date="2024-06-01")).json()

    def uuids(**params: str) -> list[str]:
        r = api.get("/opportunities", params=params)
        assert r.status_code == 200, r.text
        return [o["uuid"] for o in r.json()["entries"]]

    assert uuids(estimated_close_date_on_or_after="2024-03-31") == [later["uuid"]]
    assert uuids(estimated_close_date_on_or_before="2024-03-30") == [made["uuid"]]
    assert uuids(pipeline_stage="Discovery", owner="owner@example.com") == [later["uuid"], made["uuid"]]
    assert uuids(pipeline="Renewals") == []
    bad = api.get("/opportunities", params={"estimated_close_date_on_or_after": "March"})
    assert bad.status_code == 400 and bad.json()["param"] == "estimated_close_date_on_or_after"
    moved = api.patch(f"/opportunities/{made['uuid']}", json={"amount_in_cents": 5, "pipeline": None}).json()
    assert moved["amount_in_cents"] == 5 and moved["pipeline"] == "New Business"


def test_task_filters(api: httpx.Client, customer: dict[str, Any]) -> None:
    open_ = api.post("/tasks", json=task_body(customer, due_date="2025-04-30T15:00:00Z")).json()
    done = api.post("/tasks", json=task_body(customer, due_date="2025-05-02", completed_at="2025-05-01")).json()
    assert done["completed_at"] == "2025-05-01T00:00:00.000Z"

    def uuids(**params: str) -> list[str]:
        r = api.get("/tasks", params=params)
        assert r.status_code == 200, r.text
        return [t["task_uuid"] for t in r.json()["entries"]]

    for spelling in ("true", "True", "TRUE", "1"):
        assert uuids(completed=spelling) == [done["task_uuid"]]
    for spelling in ("false", "False", "0"):
        assert uuids(completed=spelling) == [open_["task_uuid"]]
    assert api.get("/tasks", params={"completed": "maybe"}).status_code == 400
    # A bare day counts whole: a task due in the afternoon of the 30th is due on or before the 30th.
    assert uuids(due_date_on_or_before="2025-04-30") == [open_["task_uuid"]]
    assert uuids(due_date_on_or_after="2025-05-01") == [done["task_uuid"]]
    assert uuids(assignee="nobody@example.com") == []
    reopened = api.patch(f"/tasks/{done['task_uuid']}", json={"completed_at": None}).json()
    assert reopened["completed_at"] is None and uuids(completed="true") == []


def test_a_read_only_key_cannot_write(server: EmbeddedServer, ro_key: str, api: httpx.Client, customer: Any) -> None:
    contact = api.post("/contacts", json=contact_body(customer)).json()
    writes = [
        ("POST", "/contacts"),
        ("PATCH", f"/contacts/{contact['uuid']}"),
        ("DELETE", f"/contacts/{contact['uuid']}"),
        ("POST", f"/contacts/{contact['uuid']}/merge/{contact['uuid']}"),
        ("POST", f"/customers/{customer['uuid']}/contacts"),
        *((method, f"/{family}") for family in ("customer_notes", "opportunities", "tasks") for method in ["POST"]),
        *(
            (method, f"/{family}/x")
            for family in ("customer_notes", "opportunities", "tasks")
            for method in ("PATCH", "DELETE")
        ),
    ]
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as reader:
        for method, path in writes:
            r = reader.request(method, path, json={})
            assert r.status_code == 403, (method, path)
            assert r.json()["code"] == 403
        assert reader.get(f"/contacts/{contact['uuid']}").status_code == 200
    assert api.get(f"/contacts/{contact['uuid']}").json() == contact  # nothing changed


def test_deleting_a_customer_deletes_its_crm_objects(api: httpx.Client, customer: dict[str, Any]) -> None:
    for path, body, *_ in FAMILIES:
        assert api.post(path, json=body(customer)).status_code == 201
    assert api.delete(f"/customers/{customer['uuid']}").status_code == 204
    for path, *_ in FAMILIES:
        assert api.get(path).json()["entries"] == []


def test_a_customer_merge_moves_its_crm_objects(
    api: httpx.Client, customer: dict[str, Any], source: dict[str, Any]
) -> None:
    other = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "cus_002"}).json()
    made = {path: api.post(path, json=body(other)).json()[key] for path, body, key, *_ in FAMILIES}
    merge = {"from": {"customer_uuid": other["uuid"]}, "into": {"customer_uuid": customer["uuid"]}}
    assert api.post("/customers/merges", json=merge).status_code == 202
    for path, uuid in made.items():
        moved = api.get(f"{path}/{uuid}")
        assert moved.status_code == 200 and moved.json()["customer_uuid"] == customer["uuid"], path
    contact = api.get(f"/contacts/{made['/contacts']}").json()
    assert contact["customer_external_id"] == "cus_001" and contact["data_source_uuid"] == source["uuid"]


def test_notes_and_tasks_attached_to_a_contact(api: httpx.Client, customer: dict[str, Any]) -> None:
    into = api.post("/contacts", json=contact_body(customer)).json()
    src = api.post("/contacts", json=contact_body(customer)).json()
    named = {"associated_object": "contact", "method": "uuid", "value": src["uuid"]}
    note = api.post("/notes", json={"type": "call", "associated_object_identifier": named})
    assert note.status_code == 201, note.text
    assert note.json()["associated_object_uuid"] == src["uuid"] and note.json()["customer_uuid"] == customer["uuid"]
    # /customer_notes shows the same note in its recorded shape.
    old = api.get(f"/customer_notes/{note.json()['uuid']}").json()
    assert "associated_object" not in old and old["customer_uuid"] == customer["uuid"]
    task = api.post(
        "/tasks", json={**task_body(customer), "customer_uuid": None, "associated_object_identifier": named}
    )
    assert task.status_code == 201, task.text
    plain = api.post("/tasks", json=task_body(customer)).json()
    assert "associated_object" not in plain  # a customer's task keeps the recorded shape
    assert [t["task_uuid"] for t in api.get("/tasks", params={"contact_uuid": src["uuid"]}).json()["entries"]] == [
        task.json()["task_uuid"]
    ]
    by_customer = {"associated_object": "customer", "method": "uuid", "value": customer["uuid"]}
    on_customer = api.post("/notes", json={"type": "note", "associated_object_identifier": by_customer}).json()
    assert on_customer["associated_object"] == "customer" and on_customer["associated_object_uuid"] == customer["uuid"]

    # Merging the contact keeps its note and task, now on the surviving contact.
    assert api.post(f"/contacts/{into['uuid']}/merge/{src['uuid']}").status_code == 200
    assert api.get(f"/notes/{note.json()['uuid']}").json()["associated_object_uuid"] == into["uuid"]
    assert api.get(f"/tasks/{task.json()['task_uuid']}").json()["associated_object_uuid"] == into["uuid"]
    # Deleting the contact deletes what is attached to it.
    api.delete(f"/contacts/{into['uuid']}")
    assert api.get(f"/notes/{note.json()['uuid']}").status_code == 404
    assert [t["task_uuid"] for t in api.get("/tasks").json()["entries"]] == [plain["task_uuid"]]

    unknown = {**named, "value": "con_00000000-0000-0000-0000-000000000000"}
    refused = api.post("/notes", json={"type": "note", "associated_object_identifier": unknown})
    assert refused.status_code == 422 and refused.json() == {
        "code": 422,
        "message": 'Contact "00000000-0000-0000-0000-000000000000" does not exist',
        "param": "associated_object_identifier",
    }
    neither = api.post("/tasks", json={**task_body(customer), "customer_uuid": None})
    assert neither.status_code == 422 and neither.json()["param"] == "customer_uuid"
    bad_kind = api.post("/notes", json={"type": "note", "associated_object_identifier": {**named, "method": "email"}})
    assert bad_kind.status_code == 422 and bad_kind.json()["param"] == "associated_object_identifier.method"
