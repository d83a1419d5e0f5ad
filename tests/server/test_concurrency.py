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
