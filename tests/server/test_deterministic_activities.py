"""Issue 18, defect 6: activities are a function of the data alone.

The same data is imported twice, in opposite orders, once into the test's backend (SQLite or PostgreSQL) and once
into a SQLite database of its own, and recomputed; every activity must come out the same. Subscriptions
starting at the same instant are what used to swap new_biz and expansion on PostgreSQL, so Smart Activity
Classification (which would name both new_biz) is turned off for the comparison, then on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database
from mogul.server.store.keys import create_key
from mogul.server.store.metric_settings import set_account_setting

from .processing_helpers import customer, import_invoices, line_item, plan, settle, source

CUSTOMERS = 12


@pytest.fixture
def other_api(sqlite_db: Database) -> Iterator[httpx.Client]:
    """A second server, on a SQLite database of its own."""
    key = create_key(sqlite_db, "other", "read-write")[0]
    with EmbeddedServer(sqlite_db) as srv, httpx.Client(base_url=srv.base_url + "/v1", auth=(key, ""), timeout=30) as c:
        yield c


def _invoices(plans: dict[str, str], n: int) -> list[dict[str, Any]]:
    """Three subscriptions starting at one instant on two invoices, a renewal, a cancellation by a $0 line."""
    start, end, later = "2024-01-01 09:00:00", "2024-02-01 09:00:00", "2024-03-01 09:00:00"
    first = [line_item(plans["a"], f"s{n}a", start, end, 1000 + n), line_item(plans["b"], f"s{n}b", start, end, 2000)]
    second = [line_item(plans["c"], f"s{n}c", start, end, 3000 - n)]
    renewal = [line_item(plans["a"], f"s{n}a", end, later, 1500), line_item(plans["b"], f"s{n}b", end, later, 0)]
    return [
        {"external_id": f"i{n}-1", "date": start, "currency": "USD", "line_items": first},
        {"external_id": f"i{n}-2", "date": start, "currency": "USD", "line_items": second},
        {"external_id": f"i{n}-3", "date": end, "currency": "USD", "line_items": renewal},
    ]


def _load(api: httpx.Client, reverse: bool) -> None:
    ds = source(api)
    plans = {name: plan(api, ds, f"Plan {name}", external_id=f"plan_{name}")["uuid"] for name in "abc"}
    order = list(range(CUSTOMERS))
    for n in reversed(order) if reverse else order:
        cus = customer(api, ds, f"c{n}")
        invoices = _invoices(plans, n)
        if reverse:  # each invoice in its own import, last first
            for inv in reversed(invoices):
                import_invoices(api, cus["uuid"], inv)
        else:
            import_invoices(api, cus["uuid"], *invoices)
    settle(api)


def _activities(api: httpx.Client) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    params: dict[str, Any] = {"per_page": 200}
    while True:
        body = api.get("/activities", params=params).json()
        found += [
            (
                a["customer-external-id"],
                a["date"],
                a["subscription-external-id"],
                a["type"],
                a["activity-mrr-movement"],
                a["activity-mrr"],
                a["plan-external-id"],
                a["description"],
            )
            for a in body["entries"]
        ]
        if not body["has_more"]:
            return sorted(found)
        params["cursor"] = body["cursor"]


def _recompute(db: Database, api: httpx.Client, smart: str) -> None:
    set_account_setting(db, "proximate_movement_reclassification", smart)
    settle(api)


def test_same_data_any_order_any_backend_same_activities(
    api: httpx.Client, db: Database, other_api: httpx.Client, sqlite_db: Database
) -> None:
    _load(api, reverse=False)
    _load(other_api, reverse=True)
    for smart in ("disabled", "one_hour_reclassification"):
        _recompute(db, api, smart)
        _recompute(sqlite_db, other_api, smart)
        ours, theirs = _activities(api), _activities(other_api)
        assert len(ours) == CUSTOMERS * 5  # three starts, then an expansion and a move to $0
        assert ours == theirs
        types = {(a[0], a[2]): a[3] for a in ours if a[1].startswith("2024-01-01")}
        if smart == "disabled":
            # One new_biz per customer, for the first line of its first invoice; the rest expansion.
            assert {kind for (_, sub), kind in types.items() if sub.endswith("a")} == {"new_biz"}
            assert {kind for (_, sub), kind in types.items() if not sub.endswith("a")} == {"expansion"}
        else:
            assert set(types.values()) == {"new_biz"}
    # Recomputing again changes nothing.
    _recompute(db, api, "one_hour_reclassification")
    assert _activities(api) == _activities(other_api)
