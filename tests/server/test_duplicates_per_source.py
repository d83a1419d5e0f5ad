"""External ids are unique per data source: an id used in another data source is never a duplicate, alone, in
a batch refused for a real duplicate, or while concurrent imports create the same new subscription."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mogul.server.store import Database
from mogul.server.store.invoice_input import DUP_INVOICE, DUP_LINE_ITEM, DUP_TRANSACTION
from mogul.server.store.keys import create_key

from .processes import serving
from .processing_helpers import customer, import_invoices, invoice, plan, source


def _full(ext: str, plan_uuid: str) -> dict[str, object]:
    """An invoice whose invoice, line item and transaction all carry external id `ext`."""
    body = invoice(ext, plan_uuid, "2024-01-01", "2024-02-01", 1000)
    body["line_items"][0]["external_id"] = ext
    body["transactions"] = [{"type": "payment", "date": "2024-01-01", "result": "successful", "external_id": ext}]
    return body


def test_a_batch_refused_for_one_duplicate_flags_only_that_one(api: httpx.Client) -> None:
    a, b = source(api, "A"), source(api, "B")
    plan_a, plan_b = plan(api, a, "Gold A"), plan(api, b, "Gold B")
    import_invoices(api, customer(api, a, "ca")["uuid"], _full("x1", plan_a["uuid"]))
    cb = customer(api, b, "cb")["uuid"]
    import_invoices(api, cb, _full("y1", plan_b["uuid"]))
    # x1 exists only in data source A: in B it is new. y1 is a real duplicate in B.
    r = api.post(
        f"/import/customers/{cb}/invoices",
        json={"invoices": [_full("x1", plan_b["uuid"]), _full("y1", plan_b["uuid"])]},
    )
    assert r.status_code == 422, r.text
    first, second = r.json()["invoices"]
    assert first["errors"] == {}
    assert second["errors"] == {
        "external_id": DUP_INVOICE,
        "line_items.external_id": DUP_LINE_ITEM,
        "transactions.external_id": DUP_TRANSACTION,
    }
    # Alone, x1 is stored in B.
    import_invoices(api, cb, _full("x1", plan_b["uuid"]))


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_imports_of_one_new_subscription_reusing_ids_of_another_source(
    pg_schema_url: str, tmp_path: Path
) -> None:
    db = Database(pg_schema_url)
    db.migrate()
    key = create_key(db, "workers", "read-write")[0]
    with (
        serving(
            pg_schema_url, tmp_path / "serve.log", "--workers", "2", "--rate-limit", "0", "--max-connections", "0"
        ) as server,
        httpx.Client(base_url=server.base_url + "/v1", auth=(key, ""), timeout=60) as api,
    ):
        a, b = source(api, "A"), source(api, "B")
        plan_a, plan_b = plan(api, a, "Gold A"), plan(api, b, "Gold B")
        ca = customer(api, a, "ca")["uuid"]
        import_invoices(api, ca, *[_full(f"inv_{n}", plan_a["uuid"]) for n in range(20)])
        cb = customer(api, b, "cb")["uuid"]

        start = threading.Barrier(20)

        def post(n: int) -> httpx.Response:
            body = _full(f"inv_{n}", plan_b["uuid"])
            body["line_items"][0]["subscription_external_id"] = "one-new-subscription"
            with httpx.Client(base_url=server.base_url + "/v1", auth=(key, ""), timeout=60) as http:
                http.get("/ping")  # connected before the barrier: the imports start together
                start.wait()
                return http.post(f"/import/customers/{cb}/invoices", json={"invoices": [body]})

        with ThreadPoolExecutor(max_workers=20) as pool:
            replies = list(pool.map(post, range(20)))
        assert [r.status_code for r in replies] == [201] * 20, [r.text for r in replies if r.status_code != 201]
        stored = api.get("/invoices", params={"customer_uuid": cb, "per_page": 200}).json()["invoices"]
        assert sorted(inv["external_id"] for inv in stored) == sorted(f"inv_{n}" for n in range(20))
        subs = {li["subscription_uuid"] for inv in stored for li in inv["line_items"]}
        assert len(subs) == 1
    db.dispose()
