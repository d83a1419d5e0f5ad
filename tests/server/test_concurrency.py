"""Concurrent writes through a real server: the database, not luck, keeps names unique."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from mogul.server.embedded import EmbeddedServer


def test_fifty_concurrent_creates_of_one_name(server: EmbeddedServer, rw_key: str) -> None:
    def create(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.base_url, auth=(rw_key, ""), timeout=60) as http:
            return http.post("/v1/data_sources", json={"name": "Contended"})

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(create, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * 49
    assert all(r.json() == {"errors": {"name": "Has already been taken."}} for r in responses if r.status_code == 422)
    with httpx.Client(base_url=server.base_url, auth=(rw_key, "")) as http:
        listed = http.get("/v1/data_sources").json()["data_sources"]
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert listed == [winner]


def test_concurrent_creates_of_distinct_names_all_succeed(server: EmbeddedServer, rw_key: str) -> None:
    def create(i: int) -> int:
        with httpx.Client(base_url=server.base_url, auth=(rw_key, ""), timeout=60) as http:
            return http.post("/v1/data_sources", json={"name": f"source {i}"}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert set(pool.map(create, range(40))) == {201}
    with httpx.Client(base_url=server.base_url, auth=(rw_key, "")) as http:
        assert len(http.get("/v1/data_sources").json()["data_sources"]) == 40


def _customer_and_plan(server: EmbeddedServer, rw_key: str, source: str) -> tuple[str, str]:
    """A new data source named `source` with one customer and one monthly plan: their uuids."""
    with httpx.Client(base_url=server.base_url + "/v1", auth=(rw_key, ""), timeout=60) as http:
        ds = http.post("/data_sources", json={"name": source}).json()["uuid"]
        cus = http.post("/customers", json={"data_source_uuid": ds, "external_id": "c"}).json()["uuid"]
        plan = http.post(
            "/plans", json={"data_source_uuid": ds, "name": "P", "interval_count": 1, "interval_unit": "month"}
        ).json()["uuid"]
    return cus, plan


def test_concurrent_imports_of_one_invoice_store_it_once(server: EmbeddedServer, rw_key: str) -> None:
    from .conftest import invoice

    cus, plan = _customer_and_plan(server, rw_key, "Race")
    body = {"invoices": [invoice(plan, n=1)]}

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.base_url, auth=(rw_key, ""), timeout=60) as http:
            return http.post(f"/v1/import/customers/{cus}/invoices", json=body)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(post, range(10)))
    assert sorted(r.status_code for r in responses) == [201] + [422] * 9
    for r in responses:
        if r.status_code == 422:
            errors = r.json()["invoices"][0]["errors"]
            assert errors["external_id"] == "The external ID for this invoice already exists in our system."
    with httpx.Client(base_url=server.base_url + "/v1", auth=(rw_key, "")) as http:
        assert len(http.get("/invoices").json()["invoices"]) == 1
        assert len(http.get(f"/import/customers/{cus}/subscriptions").json()["subscriptions"]) == 1


def test_concurrent_imports_sharing_a_new_subscription_all_succeed(server: EmbeddedServer, rw_key: str) -> None:
    from .conftest import invoice

    cus, plan = _customer_and_plan(server, rw_key, "Shared")

    def post(n: int) -> int:
        with httpx.Client(base_url=server.base_url, auth=(rw_key, ""), timeout=60) as http:
            return http.post(
                f"/v1/import/customers/{cus}/invoices", json={"invoices": [invoice(plan, n=100 + n)]}
            ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(post, range(8))) == {201}
    with httpx.Client(base_url=server.base_url + "/v1", auth=(rw_key, "")) as http:
        assert len(http.get("/invoices").json()["invoices"]) == 8
        assert len(http.get(f"/import/customers/{cus}/subscriptions").json()["subscriptions"]) == 1
