"""`GET /v1/metrics/*` answers are kept until the aggregate changes (MetricsCache.response): a kept answer is
the one a fresh computation gives, and an import, a settings change or a filter is never answered from it."""

from __future__ import annotations

from datetime import date

import httpx
import orjson
from sqlalchemy import text

from mogul.engine import metrics_response
from mogul.server.metrics_cache import MetricsCache
from mogul.server.processing import load_settings
from mogul.server.store import Database

from .processing_helpers import customer, import_invoices, invoice, plan, settle, source

PARAMS = {"start-date": "2024-01-01", "end-date": "2024-06-30", "interval": "month"}


def _fresh(db: Database, metric: str) -> bytes:
    """The body computed from scratch, by a cache that has seen nothing."""
    settings = load_settings(db)
    agg = MetricsCache(db).filtered(settings, None, None)
    today = min(max(date.today(), date(2024, 1, 1)), date(2024, 6, 30))
    body = metrics_response(agg, metric, date(2024, 1, 1), date(2024, 6, 30), "month", settings.ltv_mode, today)
    return orjson.dumps(body)


def test_kept_answers_follow_every_change(api: httpx.Client, db: Database) -> None:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    first = customer(api, ds, "c1")
    import_invoices(api, first["uuid"], invoice("i1", gold["uuid"], "2024-01-01", "2024-02-01", 1000))
    settle(api)
    for metric in ("customer-count", "mrr", "ltv"):
        once, twice = api.get(f"/metrics/{metric}", params=PARAMS), api.get(f"/metrics/{metric}", params=PARAMS)
        assert once.status_code == twice.status_code == 200
        assert once.content == twice.content == _fresh(db, metric)
    before = api.get("/metrics/customer-count", params=PARAMS).json()["entries"][-1]["customers"]
    second = customer(api, ds, "c2", country="DE")
    import_invoices(api, second["uuid"], invoice("i2", gold["uuid"], "2024-03-01", "2024-04-01", 500))
    settle(api)
    after = api.get("/metrics/customer-count", params=PARAMS)
    assert after.json()["entries"][-1]["customers"] == before + 1
    assert after.content == _fresh(db, "customer-count")
    # A filter is its own answer; after a settings change the answer is computed again.
    only_de = api.get("/metrics/customer-count", params=PARAMS | {"geo": "DE"}).json()
    assert only_de["entries"][-1]["customers"] == 1
    with db.begin() as conn:
        conn.execute(text("UPDATE account SET time_zone = 'Pacific/Kiritimati'"))
    shifted = api.get("/metrics/mrr", params=PARAMS)
    assert shifted.content == _fresh(db, "mrr")
    assert load_settings(db).time_zone == "Pacific/Kiritimati"


def test_bad_dates_are_still_400(api: httpx.Client) -> None:
    r = api.get("/metrics/customer-count", params={"start-date": "2024-02-01", "end-date": "2024-01-01"})
    assert r.status_code == 400
