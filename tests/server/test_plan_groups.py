"""`/v1/plan_groups`, on SQLite and PostgreSQL: shapes and statuses as recorded."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest


@pytest.fixture
def plans(api: httpx.Client, source: dict[str, Any]) -> list[dict[str, Any]]:
    made = []
    for name in ("Bronze", "Silver", "Gold"):
        body = {"data_source_uuid": source["uuid"], "name": name, "interval_count": 1, "interval_unit": "month"}
        made.append(api.post("/plans", json=body).json())
    return made


def group(api: httpx.Client, name: str, plan_uuids: list[str]) -> dict[str, Any]:
    r = api.post("/plan_groups", json={"name": name, "plans": plan_uuids})
    assert r.status_code == 200, r.text  # 200, not 201 (recorded)
    return r.json()


def test_create_retrieve_update_delete(api: httpx.Client, plans: list[dict[str, Any]]) -> None:
    made = group(api, "My plan group", [plans[0]["uuid"], plans[1]["uuid"]])
    assert list(made) == ["name", "uuid", "plans_count"]
    assert made["name"] == "My plan group" and made["uuid"].startswith("plg_") and made["plans_count"] == 2
    assert api.get(f"/plan_groups/{made['uuid']}").json() == made

    # `plans` replaces the membership; a plan named twice counts once.
    changed = api.patch(f"/plan_groups/{made['uuid']}", json={"plans": [plans[2]["uuid"], plans[2]["uuid"]]})
    assert changed.status_code == 200 and changed.json() == {**made, "plans_count": 1}
    members = api.get(f"/plan_groups/{made['uuid']}/plans").json()["plans"]
    assert [p["uuid"] for p in members] == [plans[2]["uuid"]]
    renamed = api.patch(f"/plan_groups/{made['uuid']}", json={"name": "Another name"}).json()
    assert renamed == {"name": "Another name", "uuid": made["uuid"], "plans_count": 1}

    deleted = api.delete(f"/plan_groups/{made['uuid']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    gone = api.get(f"/plan_groups/{made['uuid']}")
    assert gone.status_code == 404
    assert gone.json() == {"code": 404, "message": "Plan group not found", "param": "plan_group_uuid"}
    assert api.delete(f"/plan_groups/{made['uuid']}").status_code == 404
    assert api.get(f"/plans/{plans[2]['uuid']}").status_code == 200  # the plans stay


def test_validation_answers_in_the_recorded_form(api: httpx.Client, plans: list[dict[str, Any]]) -> None:
    r = api.post("/plan_groups", json={})
    assert r.status_code == 422
    assert r.json() == {
        "name": ["Name can't be blank"],
        "plan_ids": ["Plan ids can't be blank"],
        "error_details": [
            {"param": "name", "code": "blank", "message": "Name can't be blank"},
            {"param": "plan_ids", "code": "blank", "message": "Plan ids can't be blank"},
        ],
    }
    empty = api.post("/plan_groups", json={"name": "  ", "plans": []}).json()
    assert set(empty) == {"name", "plan_ids", "error_details"}
    unknown = api.post("/plan_groups", json={"name": "G", "plans": [plans[0]["uuid"], "pl_nope"]})
    assert unknown.status_code == 422
    assert unknown.json()["error_details"] == [
        {"param": "plan_ids", "code": "invalid", "message": "Plan ids are not plans of this account: pl_nope"}
    ]
    long_name = api.post("/plan_groups", json={"name": "x" * 256, "plans": [plans[0]["uuid"]]}).json()
    assert long_name["name"] == ["Name is too long (maximum is 255 characters)"]
    wrong_type = api.post("/plan_groups", json={"name": "G", "plans": "pl_x"})
    assert wrong_type.status_code == 400 and wrong_type.json()["param"] == "plan_ids"
    made = group(api, "G", [plans[0]["uuid"]])
    refused = api.patch(f"/plan_groups/{made['uuid']}", json={"plans": ["pl_nope"]})
    assert refused.status_code == 422
    assert api.get(f"/plan_groups/{made['uuid']}").json()["plans_count"] == 1  # nothing changed
    assert api.patch("/plan_groups/plg_nope", json={"name": "x"}).status_code == 404


def _decoded(cursor: str) -> str:
    return base64.b64decode(cursor).decode()


def test_lists_newest_first_with_legacy_page_keys_on_the_first_page(
    api: httpx.Client, plans: list[dict[str, Any]]
) -> None:
    made = [group(api, f"G{n}", [plans[n]["uuid"]]) for n in range(3)]
    first = api.get("/plan_groups?per_page=2").json()
    assert list(first) == ["plan_groups", "current_page", "total_pages", "cursor", "has_more"]
    assert [g["uuid"] for g in first["plan_groups"]] == [made[2]["uuid"], made[1]["uuid"]]
    assert (first["current_page"], first["total_pages"], first["has_more"]) == (1, 2, True)
    assert _decoded(first["cursor"]).endswith("&2")  # the group's internal id, as recorded
    rest = api.get(f"/plan_groups?per_page=2&cursor={first['cursor']}").json()
    assert list(rest) == ["plan_groups", "cursor", "has_more"]
    assert [g["uuid"] for g in rest["plan_groups"]] == [made[0]["uuid"]] and rest["has_more"] is False
    assert rest["cursor"] is not None  # the last page still carries one (recorded)

    # `page` still works and answers only the page keys, as recorded.
    paged = api.get("/plan_groups?page=3&per_page=1").json()
    assert paged == {"plan_groups": [made[0]], "current_page": 3, "total_pages": 3}
    assert api.get("/plan_groups?cursor=bogus").status_code == 400


def test_group_plans_newest_first_with_pages(api: httpx.Client, plans: list[dict[str, Any]]) -> None:
    made = group(api, "All", [p["uuid"] for p in plans])
    first = api.get(f"/plan_groups/{made['uuid']}/plans?per_page=2").json()
    assert list(first) == ["plans", "current_page", "total_pages", "cursor", "has_more"]
    assert [p["name"] for p in first["plans"]] == ["Gold", "Silver"]
    assert list(first["plans"][0]) == [
        "uuid",
        "data_source_uuid",
        "name",
        "interval_count",
        "interval_unit",
        "external_id",
    ]
    rest = api.get(f"/plan_groups/{made['uuid']}/plans?per_page=2&cursor={first['cursor']}").json()
    assert [p["name"] for p in rest["plans"]] == ["Bronze"] and rest["has_more"] is False
    paged = api.get(f"/plan_groups/{made['uuid']}/plans?page=2&per_page=2").json()
    assert paged == {"plans": rest["plans"], "current_page": 2, "total_pages": 2}
    assert api.get("/plan_groups/plg_nope/plans").status_code == 404


def test_deleting_a_plan_or_its_source_leaves_the_group(
    api: httpx.Client, plans: list[dict[str, Any]], source: dict[str, Any]
) -> None:
    made = group(api, "All", [p["uuid"] for p in plans])
    assert api.delete(f"/plans/{plans[0]['uuid']}").status_code == 204
    assert api.get(f"/plan_groups/{made['uuid']}").json()["plans_count"] == 2
    assert api.delete(f"/data_sources/{source['uuid']}").status_code == 204
    assert api.get(f"/plan_groups/{made['uuid']}").json()["plans_count"] == 0
    assert api.get(f"/plan_groups/{made['uuid']}/plans").json()["plans"] == []


def test_a_group_may_hold_plans_of_several_sources(api: httpx.Client, plans: list[dict[str, Any]]) -> None:
    other = api.post("/data_sources", json={"name": "Stripe"}).json()
    body = {"data_source_uuid": other["uuid"], "name": "Other", "interval_count": 1, "interval_unit": "year"}
    foreign = api.post("/plans", json=body).json()
    made = group(api, "Mixed", [plans[0]["uuid"], foreign["uuid"]])
    members = api.get(f"/plan_groups/{made['uuid']}/plans").json()["plans"]
    assert {p["data_source_uuid"] for p in members} == {plans[0]["data_source_uuid"], other["uuid"]}


def test_read_only_keys_cannot_write(server: Any, ro_key: str, plans: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        assert ro.post("/plan_groups", json={"name": "G", "plans": [plans[0]["uuid"]]}).status_code == 403
        assert ro.patch("/plan_groups/plg_x", json={"name": "G"}).status_code == 403
        assert ro.delete("/plan_groups/plg_x").status_code == 403
        assert ro.get("/plan_groups").status_code == 200
