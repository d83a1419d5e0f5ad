"""Free-form JSON (custom attributes, tags, a CRM object's `custom`): nesting, keys and sizes are bounded on
input, so whatever is stored can be read back, by one customer or by a page of them, on every backend."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from mogul.server.settings import RequestLimits
from mogul.server.store.attributes import MAX_CUSTOM_KEYS, MAX_FREE_FORM_BYTES, MAX_TAGS

LIMITS = RequestLimits()


def nested(depth: int, leaf: Any = "a\nb") -> Any:
    """A value of `depth` nested arrays and objects around `leaf` (with an escape: SQLite's JSON paths differ)."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def nested_text(depth: int) -> str:
    """`nested(depth)` as JSON text, built by hand: JSON encoders refuse deep nesting (orjson past 255 levels)."""
    opening = "".join("[" if level % 2 else '{"k":' for level in reversed(range(depth)))
    closing = "".join("]" if level % 2 else "}" for level in range(depth))
    return opening + '"a\\nb"' + closing


def _readable(api: httpx.Client, uuid: str) -> dict[str, Any]:
    one = api.get(f"/customers/{uuid}")
    assert one.status_code == 200, one.text
    page = api.get("/customers", params={"per_page": 200})
    assert page.status_code == 200, page.text
    assert api.get(f"/customers/{uuid}/attributes").status_code == 200
    return one.json()


# Levels the body adds around a custom attribute's value: {"custom": {"key": value}}.
AROUND_CUSTOM = 2


def test_the_deepest_custom_value_accepted_reads_back(api: httpx.Client, customer: dict[str, Any]) -> None:
    deepest = nested(LIMITS.max_depth - AROUND_CUSTOM)
    r = api.put(f"/customers/{customer['uuid']}/attributes/custom", json={"custom": {"deep": deepest}})
    assert r.status_code == 200, r.text
    assert _readable(api, customer["uuid"])["attributes"]["custom"]["deep"] == deepest


@pytest.mark.parametrize("depth", [LIMITS.max_depth - AROUND_CUSTOM + 1, 252, 253, 600, 1022])
def test_deeper_custom_values_are_400_and_store_nothing(
    api: httpx.Client, customer: dict[str, Any], depth: int
) -> None:
    body = '{"custom": {"deep": ' + nested_text(depth) + "}}"
    r = api.put(f"/customers/{customer['uuid']}/attributes/custom", content=body)
    assert r.status_code == 400, r.text
    assert r.json() == {
        "code": 400,
        "message": f"The request body is nested deeper than {LIMITS.max_depth} levels.",
        "param": None,
    }
    assert "deep" not in _readable(api, customer["uuid"])["attributes"]["custom"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/customers/{uuid}", {"attributes": {"custom": {"deep": "DEEP"}}}),
        ("POST", "/customers/{uuid}/attributes/custom", {"custom": [{"type": "String", "key": "k", "value": "DEEP"}]}),
        ("POST", "/customers/{uuid}/attributes/tags", {"tags": ["DEEP"]}),
        ("POST", "/opportunities", {"customer_uuid": "{uuid}", "custom": [{"key": "k", "value": "DEEP"}]}),
        ("POST", "/contacts", {"customer_uuid": "{uuid}", "custom": [{"key": "k", "value": "DEEP"}]}),
        ("POST", "/data_sources", {"name": "x", "extra": "DEEP"}),
    ],
)
def test_every_free_form_field_refuses_deep_nesting(
    api: httpx.Client, customer: dict[str, Any], method: str, path: str, body: dict[str, Any]
) -> None:
    text = orjson.dumps(body).decode().replace("{uuid}", customer["uuid"])
    text = text.replace('"DEEP"', nested_text(300))
    r = api.request(method, path.replace("{uuid}", customer["uuid"]), content=text)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 400
    _readable(api, customer["uuid"])


def test_an_object_with_too_many_keys_is_400(api: httpx.Client, customer: dict[str, Any]) -> None:
    many = {f"k{n}": n for n in range(300_000)}  # about 4 MB: under the body limit
    r = api.put(f"/customers/{customer['uuid']}/attributes/custom", json={"custom": many})
    assert r.status_code == 400, r.text
    assert r.json() == {
        "code": 400,
        "message": f"custom has more than {LIMITS.max_object_keys} keys.",
        "param": "custom",
    }


def test_custom_attributes_are_bounded_across_requests(api: httpx.Client, customer: dict[str, Any]) -> None:
    uuid = customer["uuid"]
    half = MAX_CUSTOM_KEYS // 2 + 1
    assert (
        api.put(f"/customers/{uuid}/attributes/custom", json={"custom": {f"a{n}": 1 for n in range(half)}}).status_code
        == 200
    )
    r = api.put(f"/customers/{uuid}/attributes/custom", json={"custom": {f"b{n}": 1 for n in range(half)}})
    assert r.status_code == 422, r.text
    assert r.json() == {"errors": {"custom": f"has more than {MAX_CUSTOM_KEYS} keys"}}
    assert len(_readable(api, uuid)["attributes"]["custom"]) == half


def test_custom_attributes_are_bounded_in_bytes(api: httpx.Client, customer: dict[str, Any]) -> None:
    uuid = customer["uuid"]
    chunk = "x" * 9_000
    big = {f"k{n}": [chunk] * 4 for n in range(MAX_FREE_FORM_BYTES // 36_000 + 1)}
    r = api.put(f"/customers/{uuid}/attributes/custom", json={"custom": big})
    assert r.status_code == 422, r.text
    assert r.json() == {"errors": {"custom": f"is larger than {MAX_FREE_FORM_BYTES} bytes as JSON"}}
    r = api.patch(f"/customers/{uuid}", json={"attributes": {"custom": big}})
    assert r.status_code == 422, r.text
    _readable(api, uuid)


def test_tags_are_bounded(api: httpx.Client, customer: dict[str, Any]) -> None:
    uuid = customer["uuid"]
    first = [f"t{n}" for n in range(MAX_TAGS)]
    assert api.post(f"/customers/{uuid}/attributes/tags", json={"tags": first}).status_code == 200
    r = api.post(f"/customers/{uuid}/attributes/tags", json={"tags": ["one more"]})
    assert r.status_code == 422, r.text
    assert r.json() == {"errors": {"tags": f"has more than {MAX_TAGS} tags"}}
    assert len(_readable(api, uuid)["attributes"]["tags"]) == MAX_TAGS
