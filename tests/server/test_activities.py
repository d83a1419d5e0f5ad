"""GET /v1/activities and the per-customer views: filters, order, both pagination styles."""

from __future__ import annotations

import httpx
import pytest

from .processing_helpers import customer, import_invoices, invoice, plan, settle, source


@pytest.fixture
def history(api: httpx.Client) -> dict[str, object]:
    """Five customers, each new_biz in a different month of 2024, one of them expanding in June."""
    ds = source(api)
    gold = plan(api, ds, "Gold")
    made = []
    for i in range(5):
        cus = customer(api, ds, f"c{i}")
        month = f"2024-{i + 1:02d}"
        nxt = f"2024-{i + 2:02d}"
        invoices = [invoice(f"c{i}-1", gold["uuid"], f"{month}-01", f"{nxt}-01", 1000 * (i + 1))]
        if i == 0:
            invoices.append(invoice("c0-2", gold["uuid"], "2024-06-01", "2024-07-01", 2500, quantity=3))
        import_invoices(api, cus["uuid"], *invoices)
        made.append(cus)
    settle(api)
    return {"ds": ds, "customers": made}


def test_first_page_shape_and_order(api: httpx.Client, history: dict) -> None:
    body = api.get("/activities").json()
    assert list(body) == ["entries", "has_more", "per_page", "cursor"]
    assert (body["has_more"], body["per_page"], body["cursor"]) == (False, 200, None)
    dates = [e["date"] for e in body["entries"]]
    assert dates == sorted(dates) and len(dates) == 6
    newest_first = [e["date"] for e in api.get("/activities", params={"order": "-date"}).json()["entries"]]
    assert newest_first == sorted(dates, reverse=True)


def test_cursor_pages_cover_everything_once(api: httpx.Client, history: dict) -> None:
    for order in ("date", "-date"):
        seen, cursor, pages = [], None, 0
        while True:
            params = {"per_page": 2, "order": order} | ({"cursor": cursor} if cursor else {})
            body = api.get("/activities", params=params).json()
            pages += 1
            if cursor:
                assert "per_page" not in body  # only the first page carries it
            seen += [e["uuid"] for e in body["entries"]]
            if not body["has_more"]:
                break
            cursor = body["cursor"]
        assert pages == 3 and len(seen) == len(set(seen)) == 6


def test_legacy_per_page_and_start_after(api: httpx.Client, history: dict) -> None:
    """What Airbyte's connector sends: `per-page` and the last uuid as `start-after`."""
    everything = [e["uuid"] for e in api.get("/activities").json()["entries"]]
    first = api.get("/activities", params={"per-page": 4, "start-date": "2024-01-01T00:00:00Z"}).json()
    assert [e["uuid"] for e in first["entries"]] == everything[:4] and first["has_more"] is True
    rest = api.get(
        "/activities", params={"per-page": 4, "start-after": everything[3], "start-date": "2024-01-01T00:00:00Z"}
    ).json()
    assert [e["uuid"] for e in rest["entries"]] == everything[4:] and rest["has_more"] is False


def test_filters(api: httpx.Client, history: dict) -> None:
    expansions = api.get("/activities", params={"type": "expansion"}).json()["entries"]
    assert [(e["type"], e["date"][:10]) for e in expansions] == [("expansion", "2024-06-01")]
    window = api.get("/activities", params={"start-date": "2024-02-01", "end-date": "2024-03-31"}).json()["entries"]
    assert [e["date"][:10] for e in window] == ["2024-02-01", "2024-03-01"]
    # A plain end date includes its whole day; a datetime is exact.
    assert len(api.get("/activities", params={"end-date": "2024-01-01"}).json()["entries"]) == 1
    assert len(api.get("/activities", params={"end-date": "2023-12-31T23:59:59Z"}).json()["entries"]) == 0


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"type": "upgrade"}, "type"),
        ({"order": "date desc"}, "order"),
        ({"start-date": "yesterday"}, "start-date"),
        ({"end-date": "2024-13-01"}, "end-date"),
        ({"start-date": "2024-05-01", "end-date": "2024-01-01"}, "end-date"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "201"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"cursor": "bm9wZQ=="}, "cursor"),
        ({"start-after": "00000000-0000-0000-0000-000000000000"}, "start-after"),
    ],
)
def test_bad_parameters_are_400(api: httpx.Client, params: dict[str, str], param: str) -> None:
    r = api.get("/activities", params=params)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 400 and r.json()["param"] == param


def test_customer_activities_and_subscriptions(api: httpx.Client, history: dict) -> None:
    c0 = history["customers"][0]["uuid"]
    body = api.get(f"/customers/{c0}/activities").json()
    assert list(body) == ["entries", "has_more", "per_page", "page", "cursor"]
    entry = body["entries"][1]
    assert set(entry) == {
        "id",
        "description",
        "activity-mrr-movement",
        "activity-mrr",
        "activity-arr",
        "date",
        "type",
        "currency",
        "currency-sign",
        "subscription-external-id",
    }
    assert (entry["type"], entry["activity-mrr-movement"], entry["currency-sign"]) == ("expansion", 1500, "$")
    paged = api.get(f"/customers/{c0}/activities", params={"per_page": 1}).json()
    assert paged["has_more"] is True
    second = api.get(f"/customers/{c0}/activities", params={"per_page": 1, "cursor": paged["cursor"]}).json()
    assert [e["id"] for e in paged["entries"] + second["entries"]] == [e["id"] for e in body["entries"]]

    subs = api.get(f"/customers/{c0}/subscriptions").json()
    assert list(subs) == ["entries", "has_more", "per_page", "page", "cursor"]
    (sub,) = subs["entries"]
    # "past_due": the period ended without a renewal, the subscription is not cancelled (docs/metrics.md §4).
    assert (sub["mrr"], sub["arr"], sub["quantity"], sub["status"], sub["plan"]) == (2500, 30000, 3, "past_due", "Gold")
    assert not sub["uuid"].startswith("sub_")  # a bare UUID in this view, as the real API
    assert sub["billing-cycle"] == "month" and sub["billing-cycle-count"] == 1


def test_unknown_customer_is_404(api: httpx.Client) -> None:
    for path in ("/customers/cus_nope/activities", "/customers/cus_nope/subscriptions"):
        r = api.get(path)
        assert r.status_code == 404 and r.json() == {"error": "Customer not found"}


def test_recompute_keeps_cursor_positions(api: httpx.Client, history: dict) -> None:
    """A reader mid-way through the list sees no repeats when a customer it already passed is recomputed."""
    first = api.get("/activities", params={"per_page": 3}).json()
    c0 = history["customers"][0]
    extra = invoice("c0-3", api.get("/plans").json()["plans"][0]["uuid"], "2024-07-01", "2024-08-01", 2500, quantity=3)
    import_invoices(api, c0["uuid"], extra)
    settle(api)
    rest = api.get("/activities", params={"per_page": 200, "cursor": first["cursor"]}).json()
    seen = [e["uuid"] for e in first["entries"]] + [e["uuid"] for e in rest["entries"]]
    assert len(seen) == len(set(seen)) == 6
