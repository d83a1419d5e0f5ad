"""The dashboard in headless Chromium on a demo dataset: what it draws is what the `/v1` API returns.

Screenshots of each page go to test-artifacts/dashboard/ (git-ignored), for a person to look at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from mogul.demo.generator import GeneratorConfig
from mogul.demo.run import Target, generate_and_import
from mogul.demo.timeutil import add_months, current_month
from mogul.server import processing
from mogul.server.embedded import EmbeddedServer
from mogul.server.settings import ServerSettings
from mogul.server.store import Database
from mogul.server.store.keys import create_key

from .browser import TIMEOUT_MS, drawn, open_page, rows, screenshot, sign_in, tabled, wait_ready
from .dataset import DemoServer

pytestmark = pytest.mark.slow

MOVEMENTS = {
    "mrr-new-business": "New business",
    "mrr-expansion": "Expansion",
    "mrr-reactivation": "Reactivation",
    "mrr-contraction": "Contraction",
    "mrr-churn": "Churn",
}
# The small charts: key in /v1/metrics/all, title, and the scale from the API's value to the drawn one.
SMALL = {"customers": 1, "arpa": 100, "customer-churn-rate": 1, "mrr-churn-rate": 1, "ltv": 100}


def metrics(api: httpx.Client, page: Page, name: str) -> dict[str, Any]:
    """The API's answer for the range and interval the page shows."""
    params = {key: page.get_attribute("#page", f"data-{key}") for key in ("interval", "start", "end")}
    r = api.get(
        f"/metrics/{name}",
        params={"interval": params["interval"], "start-date": params["start"], "end-date": params["end"]},
    )
    assert r.status_code == 200, r.text
    return r.json()


def assert_overview_matches_the_api(page: Page, api: httpx.Client) -> int:
    """Every chart's labels and values, and every current value and change, against /v1/metrics/*."""
    mrr, everything = metrics(api, page, "mrr"), metrics(api, page, "all")
    dates = [entry["date"] for entry in mrr["entries"]]
    assert dates == [entry["date"] for entry in everything["entries"]]

    line = drawn(page, "mrr")
    assert line["labels"] == dates
    assert line["datasets"] == {"MRR": [entry["mrr"] / 100 for entry in mrr["entries"]]}
    assert tabled(page, "mrr") == {"date": dates, "mrr": [entry["mrr"] for entry in mrr["entries"]]}

    bars = drawn(page, "mrr-movements")
    assert bars["labels"] == dates
    assert bars["datasets"] == {
        title: [entry[key] / 100 for entry in mrr["entries"]] for key, title in MOVEMENTS.items()
    }
    assert tabled(page, "mrr-movements") == {
        "date": dates,
        **{key: [entry[key] for entry in mrr["entries"]] for key in MOVEMENTS},
    }

    summary = everything["summary"]
    for key, scale in {"mrr": 100, **SMALL}.items():
        card = f'section[data-metric="{key}"]'
        assert float(page.get_attribute(f"{card} [data-current]", "data-current")) == summary[f"current-{key}"], key
        assert float(page.get_attribute(f"{card} [data-change]", "data-change")) == summary[f"{key}-percentage-change"]
        if key == "mrr":
            continue
        small = drawn(page, key)
        assert small["labels"] == dates, key
        assert list(small["datasets"].values()) == [[entry[key] / scale for entry in everything["entries"]]], key
        assert tabled(page, key)[key] == [entry[key] for entry in everything["entries"]], key
    return len(dates)


def test_a_bad_key_is_refused_with_a_message(page: Page, demo: DemoServer) -> None:
    page.goto(demo.base_url + "/")
    page.fill("#api-key", "not-a-key")
    page.click("#login-form button[type=submit]")
    error = page.wait_for_selector("#login-error:not([hidden])", timeout=TIMEOUT_MS)
    assert error.text_content() == "That key was refused: No valid API key provided."
    assert page.is_hidden("#nav") and page.is_visible("#login")
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, "login-refused")


def test_the_key_is_entered_once_per_browser_session(page: Page, browser: Browser, demo: DemoServer) -> None:
    sign_in(page, demo.base_url, demo.read_only_key)
    page.reload()
    wait_ready(page)
    assert page.is_hidden("#login") and page.get_attribute("body", "data-page") == "overview"
    page.click("#sign-out")
    assert page.is_visible("#login") and page.evaluate("sessionStorage.length") == 0

    other = browser.new_context()  # another session: asked again
    try:
        tab = other.new_page()
        tab.goto(demo.base_url + "/")
        tab.wait_for_selector("#login:not([hidden])", timeout=TIMEOUT_MS)
    finally:
        other.close()


def utc_today() -> str:
    return datetime.now(UTC).date().isoformat()


def activity_dates(api: httpx.Client) -> tuple[str, str]:
    """The days of the first and the last activity."""
    first, last = (
        api.get("/activities", params={"per_page": 1, "order": order}).json()["entries"][0]["date"][:10]
        for order in ("date", "-date")
    )
    return first, last


def has_activity(api: httpx.Client, period_end: str, interval: str = "month") -> bool:
    """Whether the month (or year) that ends on `period_end` holds any activity."""
    start = period_end[:8] + "01" if interval == "month" else period_end[:5] + "01-01"
    body = api.get("/activities", params={"start-date": start, "end-date": period_end, "per_page": 1}).json()
    return bool(body["entries"])


def month_name(day: str) -> str:
    """`2026-12-31` -> `Dec 2026`."""
    return date.fromisoformat(day[:10]).strftime("%b %Y")


def assert_opens_on_the_data(page: Page, api: httpx.Client) -> None:
    """The default range is the data's: first activity's month to the last activity or today, whichever is
    earlier; the last point of the MRR chart is in the last month with data, and every summary compares it with
    the month before, both with activities, and says so."""
    first, last = activity_dates(api)
    today = utc_today()
    assert page.get_attribute("#page", "data-interval") == "month"
    assert page.get_attribute("#page", "data-start") == first[:7] + "-01"
    assert page.get_attribute("#page", "data-end") == min(last, today)
    last_month = min(last, today)[:7]
    labels = drawn(page, "mrr")["labels"]
    assert labels[-1][:7] == last_month and has_activity(api, labels[-1])
    compared = page.eval_on_selector_all(
        "section[data-metric] .figure-head .caption",
        "(captions) => captions.map((c) => [c.dataset.period, c.dataset.previousPeriod, c.textContent])",
    )
    assert len(compared) == 6
    current, previous, text = compared[0]
    assert current == labels[-1] and previous == labels[-2] and all(c == compared[0] for c in compared)
    assert has_activity(api, current) and previous >= first  # both inside the data's own range
    assert text == f"{month_name(current)} vs {month_name(previous)}"


def test_overview_charts_draw_the_api_values(page: Page, demo: DemoServer, demo_api: httpx.Client) -> None:
    sign_in(page, demo.base_url, demo.read_only_key)
    assert_opens_on_the_data(page, demo_api)
    # The demo ends this month, so that is the last month with data (its later days may be too: the range
    # still stops at today), and the month before it has activities of its own.
    labels = drawn(page, "mrr")["labels"]
    assert labels[-1][:7] == utc_today()[:7] and has_activity(demo_api, labels[-2])
    months = assert_overview_matches_the_api(page, demo_api)
    assert months >= 34
    # The demo history is not flat: a chart of zeros would pass the comparison too.
    assert max(tabled(page, "mrr")["mrr"]) > 0 and min(tabled(page, "mrr-movements")["mrr-churn"]) < 0
    screenshot(page, "overview")


def test_interval_and_range_change_the_series(page: Page, demo: DemoServer, demo_api: httpx.Client) -> None:
    sign_in(page, demo.base_url, demo.read_only_key)
    monthly = len(drawn(page, "mrr")["labels"])

    page.select_option("select[name=interval]", "quarter")
    wait_ready(page, interval="quarter")
    quarterly = assert_overview_matches_the_api(page, demo_api)
    assert 0 < quarterly < monthly
    assert all(label[5:] in ("03-31", "06-30", "09-30", "12-31") for label in drawn(page, "mrr")["labels"][:-1])

    # Half a year in the middle of the history, weekly.
    start, end = add_months(demo.config.start, 12), add_months(demo.config.start, 18) - timedelta(days=1)
    page.select_option("select[name=interval]", "week")
    page.fill("input[name=start-date]", start.isoformat())
    page.fill("input[name=end-date]", end.isoformat())
    wait_ready(page, interval="week", start=start.isoformat(), end=end.isoformat())
    weeks = assert_overview_matches_the_api(page, demo_api)
    assert 26 <= weeks <= 28
    captions = page.eval_on_selector_all(".figure-head .caption", "(c) => c.map((e) => e.textContent)")
    last_week = drawn(page, "mrr")["labels"][-1]
    assert set(captions) == {f"week to {last_week} vs week to {date.fromisoformat(last_week) - timedelta(days=7)}"}
    screenshot(page, "overview-weekly")


def test_activities_filter_by_type_and_date_and_page_on(page: Page, demo: DemoServer, demo_api: httpx.Client) -> None:
    sign_in(page, demo.base_url, demo.read_only_key)
    open_page(page, demo.base_url, "activities")
    newest = demo_api.get("/activities", params={"order": "-date", "per_page": 50}).json()
    assert rows(page, "activities-table") == [a["uuid"] for a in newest["entries"]]
    screenshot(page, "activities")

    page.select_option("select[name=type]", "churn")
    wait_ready(page)
    page.wait_for_function("() => document.querySelectorAll('#activities-table tr[data-type=\"churn\"]').length > 0")
    churn = demo_api.get("/activities", params={"type": "churn", "order": "-date", "per_page": 50}).json()
    assert set(rows(page, "activities-table", "type")) == {"churn"}
    assert rows(page, "activities-table") == [a["uuid"] for a in churn["entries"]]
    if churn["has_more"]:
        page.click("#activities-more")
        page.wait_for_function("() => document.querySelectorAll('#activities-table tbody tr').length > 50")
        more = demo_api.get("/activities", params={"type": "churn", "order": "-date", "cursor": churn["cursor"]})
        assert rows(page, "activities-table")[50:] == [a["uuid"] for a in more.json()["entries"]]

    start, end = add_months(demo.config.start, 14), add_months(demo.config.start, 17) - timedelta(days=1)
    page.fill("input[name=start-date]", start.isoformat())
    page.fill("input[name=end-date]", end.isoformat())
    wait_ready(page)
    page.wait_for_function(
        "([start, end]) => [...document.querySelectorAll('#activities-table tbody tr td:first-child')]"
        ".every((td) => td.textContent >= start && td.textContent <= end)",
        arg=[start.isoformat(), end.isoformat()],
    )
    ranged = demo_api.get(
        "/activities",
        params={
            "type": "churn",
            "order": "-date",
            "per_page": 50,
            "start-date": start.isoformat(),
            "end-date": end.isoformat(),
        },
    ).json()
    assert ranged["entries"]
    assert rows(page, "activities-table") == [a["uuid"] for a in ranged["entries"]]


def all_customers(api: httpx.Client, **params: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        paging = {"per_page": 200, **({"cursor": cursor} if cursor else {})}
        body = api.get("/customers", params={**params, **paging}).json()
        out += body["entries"]
        if not body["has_more"]:
            return out
        cursor = body["cursor"]


def search(page: Page, text: str) -> None:
    page.fill("input[name=q]", text)
    page.press("input[name=q]", "Enter")
    wait_ready(page)


def test_customers_search_by_name_email_and_status(page: Page, demo: DemoServer, demo_api: httpx.Client) -> None:
    everyone = all_customers(demo_api)
    sign_in(page, demo.base_url, demo.read_only_key)
    open_page(page, demo.base_url, "customers")
    assert rows(page, "customers-table") == [c["uuid"] for c in everyone[:50]]

    surname = everyone[7]["name"].split()[-1]
    search(page, surname.lower())
    expected = [c["uuid"] for c in everyone if surname.lower() in f"{c['name']}\n{c['email']}".lower()]
    assert rows(page, "customers-table") == expected and everyone[7]["uuid"] in expected
    screenshot(page, "customers-search")

    email = everyone[11]["email"]
    search(page, email)  # a whole email: the API's search
    found = demo_api.get("/customers/search", params={"email": email}).json()["entries"]
    assert rows(page, "customers-table") == [c["uuid"] for c in found] and everyone[11]["uuid"] in rows(
        page, "customers-table"
    )
    search(page, "nobody@nowhere.example")
    assert page.text_content("#customers-count") == "0 customers"

    search(page, "")
    page.select_option("select[name=status]", "Cancelled")
    wait_ready(page)
    cancelled = all_customers(demo_api, status="Cancelled")
    assert cancelled and rows(page, "customers-table") == [c["uuid"] for c in cancelled[:50]]
    statuses = page.eval_on_selector_all("#customers-table tbody td:nth-child(3)", "(t) => t.map((c) => c.textContent)")
    assert set(statuses) == {"Cancelled"}


def turn_page(page: Page, button: str, first: int) -> None:
    page.click(f"#customers-{button}")
    page.wait_for_selector(f'#customers-count[data-from="{first}"]', timeout=TIMEOUT_MS)


def test_customers_pager_says_what_it_shows(page: Page, demo: DemoServer, demo_api: httpx.Client) -> None:
    """Pages of 50 with the API's cursors, and "1-50 of 150" above them."""
    everyone = [c["uuid"] for c in all_customers(demo_api)]
    total = len(everyone)
    assert total == 150
    sign_in(page, demo.base_url, demo.read_only_key)
    open_page(page, demo.base_url, "customers")
    assert page.text_content("#customers-count") == "1-50 of 150"
    assert page.is_disabled("#customers-previous") and page.is_enabled("#customers-next")
    screenshot(page, "customers")

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/v1/customers" in r.url else None)
    turn_page(page, "next", 51)
    assert page.text_content("#customers-count") == "51-100 of 150"
    assert rows(page, "customers-table") == everyone[50:100]
    assert len(requests) == 1 and "cursor=" in requests[0]  # the API's cursor, no page numbers
    turn_page(page, "next", 101)
    assert page.text_content("#customers-count") == "101-150 of 150"
    assert rows(page, "customers-table") == everyone[100:]
    assert page.is_disabled("#customers-next")
    turn_page(page, "previous", 51)
    assert rows(page, "customers-table") == everyone[50:100]
    assert page.text_content("#customers-count") == "51-100 of 150"
    turn_page(page, "previous", 1)
    assert rows(page, "customers-table") == everyone[:50] and page.is_disabled("#customers-previous")

    # A status filter starts again on its own first page, with its own total.
    page.select_option("select[name=status]", "Active")
    wait_ready(page)
    active = [c["uuid"] for c in all_customers(demo_api, status="Active")]
    assert 0 < len(active) < total
    assert page.text_content("#customers-count") == f"1-{min(50, len(active))} of {len(active)}"
    assert rows(page, "customers-table") == active[:50]


def test_customer_page_shows_its_subscriptions_and_activities(
    page: Page, demo: DemoServer, demo_api: httpx.Client
) -> None:
    everyone = all_customers(demo_api)
    # The customer with the most activities: a page worth looking at.
    counts = {
        c["uuid"]: len(demo_api.get(f"/customers/{c['uuid']}/activities", params={"per_page": 200}).json()["entries"])
        for c in everyone[:40]
    }
    chosen = next(c for c in everyone if c["uuid"] == max(counts, key=lambda uuid: counts[uuid]))
    sign_in(page, demo.base_url, demo.read_only_key)
    open_page(page, demo.base_url, "customers")
    search(page, chosen["email"])
    page.click(f'#customers-table tr[data-uuid="{chosen["uuid"]}"] a')
    wait_ready(page, customer=chosen["uuid"])
    assert page.url.endswith(f"#/customers/{chosen['uuid']}")
    assert page.text_content("#customer-name") == chosen["name"]
    assert page.text_content('[data-field="Email"] dd') == chosen["email"]

    subscriptions = demo_api.get(f"/customers/{chosen['uuid']}/subscriptions", params={"per_page": 200}).json()
    assert rows(page, "subscriptions-table") == [s["uuid"] for s in subscriptions["entries"]]
    plans = page.eval_on_selector_all("#subscriptions-table tbody td:first-child", "(t) => t.map((c) => c.textContent)")
    assert plans == [s["plan"] for s in subscriptions["entries"]]
    activities = demo_api.get(f"/customers/{chosen['uuid']}/activities", params={"per_page": 200}).json()
    assert counts[chosen["uuid"]] >= 2
    assert rows(page, "customer-activities-table") == [str(a["id"]) for a in activities["entries"]]
    screenshot(page, "customer")


def test_the_per_key_limits_are_waited_out(page: Page, demo: DemoServer) -> None:
    """Under tight limits (2 requests/s, 1 in flight) the page's parallel requests get 429 and 503 and
    retry after `Retry-After`: the overview still shows the API's figures."""
    db = Database(demo.database_url)
    try:
        settings = ServerSettings(rate_limit=2, max_connections=1)
        with EmbeddedServer(db, settings=settings) as limited:
            refused: list[int] = []
            page.on("response", lambda r: refused.append(r.status) if r.status in (429, 503) else None)
            sign_in(page, limited.base_url, demo.read_only_key)
            assert refused  # the limits did bite
            with httpx.Client(base_url=demo.base_url + "/v1", auth=(demo.read_only_key, "")) as api:
                assert_overview_matches_the_api(page, api)
    finally:
        db.dispose()


@dataclass(frozen=True)
class Unprocessed:
    base_url: str
    key: str
    db: Database
    api: httpx.Client
    source: dict[str, Any]  # the data source as the API showed it before any processing


@pytest.fixture
def unprocessed(tmp_path: Path) -> Iterator[Unprocessed]:
    """A server without its background processor, with an import waiting: the test decides when it is
    processed (`processing.drain`). The history ended three months ago."""
    db = Database(f"sqlite:///{tmp_path / 'live.db'}")
    try:
        db.migrate()
        key, _ = create_key(db, "import", "read-write")
        config = GeneratorConfig.ending(add_months(current_month(), -3), 6, customers=12, seed=5)
        with EmbeddedServer(db, processing=False) as server:
            generate_and_import(config, Target(server.base_url, key))
            with httpx.Client(base_url=server.base_url + "/v1", auth=(key, "")) as api:
                sources = api.get("/data_sources", params={"with_processing_status": "true"}).json()["data_sources"]
                assert [s["status"] for s in sources] == ["working"]
                yield Unprocessed(server.base_url, key, db, api, sources[0])
    finally:
        db.dispose()


def test_data_sources_show_processing_live(page: Page, unprocessed: Unprocessed) -> None:
    """`working` with its pending count, then `idle` once processed, without reloading the page."""
    pending = unprocessed.source["processing_status"]["pending"]
    assert pending >= 10  # the customers with invoices; a lead without any is not queued
    sign_in(page, unprocessed.base_url, unprocessed.key)
    open_page(page, unprocessed.base_url, "data-sources")
    source = f'#sources-table tr[data-uuid="{unprocessed.source["uuid"]}"]'
    assert page.get_attribute(source, "data-status") == "working"
    assert page.text_content(f"{source} td:nth-child(5)") == str(pending)
    page.wait_for_selector("#processing:not([hidden])", timeout=TIMEOUT_MS)
    assert page.text_content("#processing") == f"Processing… {pending} pending"
    screenshot(page, "data-sources-working")

    started = time.monotonic()
    assert processing.drain(unprocessed.db) == pending
    page.wait_for_selector(f'{source}[data-status="idle"]', timeout=TIMEOUT_MS)
    assert time.monotonic() - started < 5  # polled every 2 s while working
    after = unprocessed.api.get("/data_sources", params={"with_processing_status": "true"}).json()
    assert after["data_sources"][0]["processing_status"] == {"processed": pending, "failed": 0, "pending": 0}
    cells = page.eval_on_selector_all(f"{source} td", "(t) => t.map((c) => c.textContent)")
    assert cells[2:6] == ["idle", str(pending), "0", "0"]
    assert page.is_hidden("#processing")
    screenshot(page, "data-sources-idle")


def test_the_overview_redraws_when_processing_ends(page: Page, unprocessed: Unprocessed) -> None:
    """Before processing there are no activities: the overview says why it is empty. After, it opens on the
    history's own range, which ended months ago: no flat months after it, no 0.00 % against one."""
    sign_in(page, unprocessed.base_url, unprocessed.key)
    assert set(tabled(page, "mrr")["mrr"]) == {0}  # imported, not computed yet
    hint = page.text_content("#overview-empty")
    assert "still being processed" in hint and f"mogul demo generate --base-url {unprocessed.base_url}" in hint
    page.wait_for_selector("#processing:not([hidden])", timeout=TIMEOUT_MS)
    processing.drain(unprocessed.db)
    page.wait_for_function(
        "() => [...document.querySelectorAll('table[data-values=\"mrr\"] td')].some((td) => td.dataset.value > 0)",
        timeout=TIMEOUT_MS,
    )
    wait_ready(page)
    assert page.is_hidden("#processing")
    assert_overview_matches_the_api(page, unprocessed.api)
    assert page.query_selector("#overview-empty") is None
    assert_opens_on_the_data(page, unprocessed.api)
    last_month = add_months(current_month(), -3).isoformat()[:7]
    assert drawn(page, "mrr")["labels"][-1][:7] <= last_month < utc_today()[:7]
    screenshot(page, "overview-ended")


def test_a_new_server_says_how_to_fill_it(page: Page, tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        db.migrate()
        key, _ = create_key(db, "new", "read-only")
        with EmbeddedServer(db) as server:
            sign_in(page, server.base_url, key)
            hint = page.text_content("#overview-empty")
            assert f"mogul demo generate --base-url {server.base_url} --api-key KEY" in hint
            assert page.get_attribute("#page", "data-end") == utc_today()
            open_page(page, server.base_url, "customers")
            assert page.text_content("#customers-count") == "0 customers"
            assert page.text_content("#customers-results .empty") == "No customers yet."
            assert page.query_selector("#customers-next") is None
    finally:
        db.dispose()
