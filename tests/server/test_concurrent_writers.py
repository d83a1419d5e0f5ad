"""Several writers on one customer at once lose nothing: invoice imports (one new subscription each, and one
subscription shared by all), custom attributes, tags and profile updates, from 8 threads, on one process (SQLite
and PostgreSQL) and on two uvicorn workers sharing PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database
from mogul.server.store.keys import create_key

from .processes import serving
from .processing_helpers import customer, invoice, plan, settle, source

WRITERS = 8
ROUNDS = 5


def _hammer(base_url: str, key: str) -> None:
    with httpx.Client(base_url=base_url + "/v1", auth=(key, ""), timeout=60) as api:
        ds = source(api)
        pl = plan(api, ds, "Gold")["uuid"]
        uuid = customer(api, ds, "shared")["uuid"]
        start = threading.Barrier(WRITERS)

        def writer(w: int) -> list[int]:
            statuses = []
            with httpx.Client(base_url=base_url + "/v1", auth=(key, ""), timeout=60) as http:
                http.get("/ping")
                start.wait()
                for r in range(ROUNDS):
                    own = invoice(f"own_{w}_{r}", pl, "2024-01-01", "2024-02-01", 100, sub=f"sub_{w}_{r}")
                    shared = invoice(f"shared_{w}_{r}", pl, f"2024-{r + 2:02d}-01", f"2024-{r + 3:02d}-01", 1000)
                    shared["line_items"][0]["subscription_external_id"] = "shared_sub"
                    replies = [
                        http.post(f"/import/customers/{uuid}/invoices", json={"invoices": [own]}),
                        http.post(f"/import/customers/{uuid}/invoices", json={"invoices": [shared]}),
                        http.put(f"/customers/{uuid}/attributes/custom", json={"custom": {f"k_{w}_{r}": r}}),
                        http.post(f"/customers/{uuid}/attributes/tags", json={"tags": [f"t_{w}_{r}"]}),
                        http.patch(f"/customers/{uuid}", json={"city": f"City {w}"}),
                    ]
                    statuses += [reply.status_code for reply in replies]
            return statuses

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            results = list(pool.map(writer, range(WRITERS)))
        assert {s for statuses in results for s in statuses} <= {200, 201}, results
        stored = api.get("/invoices", params={"customer_uuid": uuid, "per_page": 200}).json()["invoices"]
        expected = {f"{kind}_{w}_{r}" for kind in ("own", "shared") for w in range(WRITERS) for r in range(ROUNDS)}
        assert {inv["external_id"] for inv in stored} == expected
        got = api.get(f"/customers/{uuid}").json()
        attrs = got["attributes"]
        assert set(attrs["custom"]) == {f"k_{w}_{r}" for w in range(WRITERS) for r in range(ROUNDS)}
        assert set(attrs["tags"]) == {f"t_{w}_{r}" for w in range(WRITERS) for r in range(ROUNDS)}
        settle(api, timeout=60)
        # One subscription per `own` invoice, and the one every writer created at once and then shared.
        subs = api.get(f"/customers/{uuid}/subscriptions", params={"per_page": 200}).json()["entries"]
        assert len(subs) == WRITERS * ROUNDS + 1


def test_several_writers_on_one_customer(server: EmbeddedServer, rw_key: str) -> None:
    _hammer(server.base_url, rw_key)


@pytest.mark.slow
@pytest.mark.postgres
def test_several_writers_on_one_customer_across_two_workers(pg_schema_url: str, tmp_path: Path) -> None:
    db = Database(pg_schema_url)
    db.migrate()
    key = create_key(db, "workers", "read-write")[0]
    args = ("--workers", "2", "--rate-limit", "0", "--max-connections", "0")
    with serving(pg_schema_url, tmp_path / "serve.log", *args) as server:
        _hammer(server.base_url, key)
    db.dispose()
