"""A stand-in ChartMogul API on a real port, for the endpoints `mogul serve` does not have yet.

Deterministic data in the API's exact shapes (chartmogul-api.md): customers, activities, plans,
invoices, per-customer subscriptions, metrics (customer-count and all), data sources, plan groups and their
plans, subscription events and the account; cursor
pagination, `start-date`/`end-date` filters, Basic auth, and optional throttling (token bucket
answering 429 + Retry-After) and added latency, as the benchmark needs. Run standalone:

    python tests/source/fake_api.py --port 8081 --customers 20000 --activities 100000 [--rps 40 --latency 0.15]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import random
import socket
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import orjson
import uvicorn

API_KEY = "fake-key-0123456789"
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


def _uuid(rng: random.Random) -> str:
    return str(uuidlib.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Data:
    customers: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    data_sources: list[dict[str, Any]] = field(default_factory=list)
    plan_groups: list[dict[str, Any]] = field(default_factory=list)
    group_plans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    subscription_events: list[dict[str, Any]] = field(default_factory=list)
    account: dict[str, Any] = field(default_factory=dict)


def generate(customers: int = 50, activities: int = 200, *, days: int = 365, seed: int = 7) -> Data:
    rng = random.Random(seed)
    ds = "ds_" + _uuid(rng)
    data = Data()
    data.data_sources = [
        {
            "uuid": ds,
            "name": "In-house billing",
            "system": "Custom",
            "created_at": "2023-01-01T00:00:00.000Z",
            "status": "idle",
        }
    ]
    for i in range(3):
        data.plans.append(
            {
                "uuid": f"pl_{_uuid(rng)}",
                "external_id": f"plan_{i}",
                "name": f"Plan {i}",
                "interval_count": 1,
                "interval_unit": "month",
                "data_source_uuid": ds,
            }
        )
    for members in (data.plans[:2], data.plans[2:]):
        group = {"name": f"Group of {len(members)}", "uuid": f"plg_{_uuid(rng)}", "plans_count": len(members)}
        data.plan_groups.append(group)
        data.group_plans[group["uuid"]] = list(reversed(members))  # newest plan first
    data.account = {
        "id": f"acc_{_uuid(rng)}",
        "name": "Example Test Company",
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "week_start_on": "sunday",
    }
    for i in range(customers):
        cid = f"cus_{_uuid(rng)}"
        since = EPOCH + timedelta(seconds=rng.randrange(days * 86400))
        mrr = rng.randrange(1000, 100000)
        lead = i % 7 == 0
        customer = {
            "id": 1000 + i,
            "uuid": cid,
            "external_id": f"cus_{i:06d}",
            "name": f"Customer {i}",
            "email": f"c{i}@example.com",
            "status": "New Lead" if lead else "Active",
            "customer-since": None if lead else since.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "attributes": {"custom": {"seats": i % 10}, "clearbit": {}, "stripe": {}, "tags": ["t1"] if i % 3 else []},
            "data_source_uuid": ds,
            "data_source_uuids": [ds],
            "external_ids": [f"cus_{i:06d}"],
            "company": "" if i % 5 == 0 else f"Company {i}",
            "country": None if i % 4 == 0 else "US",
            "state": None if i % 4 == 0 else "CA",
            "city": "" if i % 6 == 0 else "Berlin",
            "zip": None,
            "lead_created_at": None if i % 2 else "2022-11-01T00:00:00.000Z",
            "free_trial_started_at": None,
            "address": {"country": "United States", "state": "California", "city": "Berlin", "address_zip": None},
            "mrr": 0 if lead else mrr,
            "arr": 0 if lead else mrr * 12,
            "billing-system-url": None,
            "chartmogul-url": f"https://app.chartmogul.com/#/customers/{1000 + i}-Customer",
            "billing-system-type": "Import API",
            "currency": "EUR",
            "currency-sign": "€",
            "owner": None if i % 2 else "owner@example.com",
        }
        if i % 3 == 0:
            customer["website_url"] = "https://example.com"
        data.customers.append(customer)
    # The API lists customers by customer-since, then internal id (chartmogul-api.md §2.2).
    data.customers.sort(key=lambda c: (c["customer-since"] or "", c["id"]))
    for n, customer in enumerate(data.customers[: min(len(data.customers), 500)]):
        data.subscriptions[customer["uuid"]] = [
            {
                "id": 5000 + n * 2 + k,
                "external_id": f"sub_{n}_{k}",
                "subscription_set_external_id": None if k else f"set_{n}",
                "quantity": 1,
                "uuid": _uuid(rng),
                "mrr": 1000,
                "arr": 12000,
                "status": "active",
                "plan": "Plan 0",
                "billing-cycle": "month",
                "billing-cycle-count": 1,
                "start-date": "2023-02-24T00:00:00+00:00",
                "end-date": None if k else "2024-02-24T00:00:00+00:00",
                "currency": "EUR",
                "currency-sign": "€",
            }
            for k in range(n % 3)
        ]
    kinds = ("new_biz", "expansion", "contraction", "churn", "reactivation")
    for i in range(activities):
        customer = data.customers[i % max(1, len(data.customers))] if data.customers else {"uuid": "", "name": ""}
        when = EPOCH + timedelta(seconds=rng.randrange(days * 86400))
        # A few activities share a second with another one, to exercise the boundary dedupe.
        if i % 50 == 1 and data.activities:
            when = datetime.fromisoformat(data.activities[-1]["date"])
        mrr = rng.randrange(100, 10000)
        data.activities.append(
            {
                "description": "purchased the Plan 0 plan",
                "activity-mrr-movement": mrr if i % 4 else -mrr,
                "activity-mrr": mrr,
                "activity-arr": mrr * 12,
                "date": when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "type": kinds[i % len(kinds)],
                "currency": "EUR",
                "subscription-external-id": f"sub_{i}",
                "subscription-set-external-id": f"set_{i}",
                "plan-external-id": "plan_0",
                "customer-name": customer["name"],
                "customer-uuid": customer["uuid"],
                "customer-external-id": customer.get("external_id", ""),
                "billing-connector-uuid": ds,
                "uuid": _uuid(rng),
            }
        )
    data.activities.sort(key=lambda a: (a["date"], a["uuid"]))
    for i, customer in enumerate(data.customers[:30]):
        data.subscription_events.append(
            {
                "id": 378040197 - i,  # newest first
                "data_source_uuid": ds,
                "customer_external_id": customer["external_id"],
                "subscription_set_external_id": None,
                "subscription_external_id": f"sub_{i}",
                "plan_external_id": "plan_0",
                "event_date": "2023-12-14T00:00:00Z",
                "effective_date": "2024-01-01T00:00:00Z",
                "event_type": "subscription_start_scheduled",
                "external_id": f"event_{i}",
                "errors": {},
                "created_at": "2023-12-14T15:33:55Z",
                "updated_at": "2023-12-14T15:33:55Z",
                "quantity": 1,
                "currency": "EUR",
                "amount_in_cents": 1000,
                "tax_amount_in_cents": None,
                "retracted_event_id": None,
            }
        )
    for i, customer in enumerate(data.customers[: min(len(data.customers), 200)]):
        data.invoices.append(
            {
                "uuid": f"inv_{_uuid(rng)}",
                "external_id": f"inv_{i}",
                "customer_uuid": customer["uuid"],
                "data_source_uuid": ds,
                "date": "2023-03-01T12:00:00.000Z",
                "due_date": None if i % 2 else "2023-03-07T12:00:00.000Z",
                "currency": "EUR",
                "line_items": [
                    {
                        "uuid": f"li_{_uuid(rng)}",
                        "external_id": None,
                        "type": "subscription",
                        "subscription_uuid": f"sub_{_uuid(rng)}",
                        "subscription_external_id": f"sub_{i}",
                        "subscription_set_external_id": None,
                        "plan_uuid": data.plans[0]["uuid"],
                        "prorated": False,
                        "proration_type": None,
                        "service_period_start": "2023-03-01T12:00:00.000Z",
                        "service_period_end": "2023-04-01T12:00:00.000Z",
                        "amount_in_cents": 1000,
                        "quantity": 1,
                        "discount_code": "",
                        "discount_amount_in_cents": 0,
                        "tax_amount_in_cents": 0,
                        "transaction_fees_in_cents": 0,
                        "account_code": "",
                        "transaction_fees_currency": None,
                        "discount_description": None,
                        "event_order": None,
                    }
                ],
                "transactions": [
                    {
                        "uuid": f"tr_{_uuid(rng)}",
                        "external_id": None,
                        "amount_in_cents": None,
                        "type": "payment",
                        "date": "2023-03-01T12:00:00.000Z",
                        "result": "successful",
                        "transaction_fees_in_cents": None,
                        "transaction_fees_currency": None,
                    }
                ],
            }
        )
    return data


def _period_ends(start: date, end: date, interval: str) -> list[date]:
    out: list[date] = []
    day = start
    while day <= end:
        if interval == "day":
            period_end = day
        elif interval == "week":  # weeks end on Saturday (week_start_on = sunday)
            period_end = day + timedelta(days=(5 - day.weekday()) % 7)
        else:
            months = 3 if interval == "quarter" else 1
            first = date(day.year, ((day.month - 1) // months) * months + 1, 1)
            nxt = first.month - 1 + months
            period_end = date(first.year + nxt // 12, nxt % 12 + 1, 1) - timedelta(days=1)
        out.append(min(period_end, end))
        day = period_end + timedelta(days=1)
    return out


class FakeChartMogul:
    """The ASGI app. `rps` throttles (429 + Retry-After past it), `latency` delays every answer."""

    def __init__(self, data: Data, *, rps: float | None = None, latency: float = 0.0, key: str = API_KEY) -> None:
        self.data = data
        self.rps = rps
        self.latency = latency
        self.auth = {
            "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
            "Basic " + base64.b64encode(f"{key}:{key}".encode()).decode(),
        }
        self.requests: list[str] = []
        self.throttled = 0
        self.fail_paths: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self._tokens = rps or 0.0
        self._last = time.monotonic()
        self._activity_dates = [datetime.fromisoformat(a["date"]) for a in data.activities]
        self._encoded: dict[int, bytes] = {}
        self._customer_uuids = {c["uuid"] for c in data.customers}
        self._lock = threading.Lock()
        self.before: Callable[[str, dict[str, str]], None] | None = None
        """Called with (path, query) before each authorised request is answered: tests change data mid-read."""

    def _take_token(self) -> float | None:
        """None when the request may pass; otherwise seconds until it could."""
        if not self.rps:
            return None
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rps, self._tokens + (now - self._last) * self.rps)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            return (1 - self._tokens) / self.rps

    def _json(self, obj: dict[str, Any]) -> bytes:
        key = id(obj)
        encoded = self._encoded.get(key)
        if encoded is None:
            encoded = self._encoded[key] = orjson.dumps(obj)
        return encoded

    def _page(self, key: str, items: list[dict[str, Any]], query: dict[str, str], *, legacy: bool = False) -> bytes:
        """One page. With `legacy`, a first page (no cursor) also carries `total_pages` etc., as customers' does."""
        per_page = min(200, max(1, int(query.get("per_page", "200"))))
        offset = int(base64.b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
        chunk = items[offset : offset + per_page]
        more = offset + per_page < len(items)
        cursor = base64.b64encode(str(offset + per_page).encode()).decode() if more else None
        head = b""
        if legacy and not query.get("cursor"):
            pages = max(1, -(-len(items) // per_page))
            head = b',"current_page":1,"total_pages":%d,"per_page":%d,"page":1' % (pages, per_page)
        return b"".join(
            [
                b'{"' + key.encode() + b'":[',
                b",".join(self._json(item) for item in chunk),
                b"]" + head + b',"has_more":' + (b"true" if more else b"false"),
                b',"cursor":' + orjson.dumps(cursor) + b"}",
            ]
        )

    def _customers(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """`data_source_uuid` (any of a customer's sources, as after a merge) and `status` (`New_Lead`) filters."""
        items = self.data.customers
        if query.get("data_source_uuid"):
            items = [c for c in items if query["data_source_uuid"] in c["data_source_uuids"]]
        if query.get("status"):
            items = [c for c in items if c["status"] == query["status"].replace("_", " ")]
        return items

    def _activities(self, query: dict[str, str]) -> list[dict[str, Any]]:
        lo, hi = 0, len(self.data.activities)
        if query.get("start-date"):
            lo = bisect.bisect_left(self._activity_dates, _parse(query["start-date"]))
        if query.get("end-date"):
            hi = bisect.bisect_right(self._activity_dates, _parse(query["end-date"]))
        return self.data.activities[lo:hi]

    def _metrics(self, path: str, query: dict[str, str]) -> tuple[int, bytes]:
        if "start-date" not in query or "end-date" not in query:
            return 400, b'{"code":400,"message":"start-date and end-date are required","param":null}'
        start, end = date.fromisoformat(query["start-date"][:10]), date.fromisoformat(query["end-date"][:10])
        entries = []
        previous = None
        for n, day in enumerate(_period_ends(start, end, query.get("interval", "day"))):
            customers = 100 + (day.toordinal() % 50)
            pct = 0.0 if previous is None else round((customers - previous) * 100 / previous, 2)
            previous = customers
            if path.endswith("customer-count"):
                entries.append({"date": day.isoformat(), "customers": customers, "percentage-change": pct})
            else:
                entry: dict[str, Any] = {"date": day.isoformat()}
                for k, key in enumerate(("mrr", "arr", "ltv", "customers", "asp", "arpa")):
                    entry[key] = customers * (k + 1) * 100
                    entry[f"{key}-percentage-change"] = pct
                for key in ("customer-churn-rate", "mrr-churn-rate"):
                    entry[key] = round(1.5 + n % 3, 2)
                    entry[f"{key}-percentage-change"] = -2.5
                entries.append(entry)
        return 200, orjson.dumps({"entries": entries, "summary": {"current": 1, "previous": 1}})

    def route(self, path: str, query: dict[str, str]) -> tuple[int, bytes]:
        d = self.data
        if path == "/v1/ping":
            return 200, b'{"data":"pong!"}'
        if path == "/v1/data_sources":
            return 200, orjson.dumps({"data_sources": d.data_sources})
        if path == "/v1/customers":
            return 200, self._page("entries", self._customers(query), query, legacy=True)
        if path == "/v1/activities":
            return 200, self._page("entries", self._activities(query), query)
        if path == "/v1/plans":
            return 200, self._page("plans", d.plans, query)
        if path == "/v1/invoices":
            return 200, self._page("invoices", d.invoices, query)
        if path.startswith("/v1/metrics/"):
            return self._metrics(path, query)
        if path == "/v1/account":
            settings = {"churn_recognition": "churn_at_time_of_cancelation", "churn_when_zero_mrr": False}
            wanted = query.get("include", "").split(",")
            return 200, orjson.dumps({**d.account, **{k: v for k, v in settings.items() if k in wanted}})
        if path == "/v1/plan_groups":
            return 200, self._page("plan_groups", d.plan_groups, query)
        if path.startswith("/v1/plan_groups/") and path.endswith("/plans"):
            members = d.group_plans.get(path.split("/")[3])
            if members is None:
                return 404, b'{"code":404,"message":"Plan group not found","param":"plan_group_uuid"}'
            return 200, self._page("plans", members, query)
        if path == "/v1/subscription_events":
            return 200, self._page("subscription_events", d.subscription_events, query)
        if path.startswith("/v1/customers/") and path.endswith("/subscriptions"):
            uuid = path.split("/")[3]
            if uuid not in self._customer_uuids:
                return 404, b'{"error":"Customer not found"}'
            return 200, self._page("entries", d.subscriptions.get(uuid, []), query)
        return 404, b'{"error":"Not found"}'

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        self.requests.append(path + ("?" + scope["query_string"].decode() if scope["query_string"] else ""))
        headers: dict[str, str] = {}
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        if self.latency:
            await asyncio.sleep(self.latency)
        wait = self._take_token()
        if path in self.fail_paths:
            status, body, headers = self.fail_paths[path]
        elif wait is not None:
            self.throttled += 1
            status = 429
            body = b'{"code":429,"message":"Your request rate has exceeded our rate limit.","param":null}'
            headers = {"retry-after": str(max(1, round(wait + 0.5)))}
        elif auth not in self.auth:
            status, body = 401, b'{"code":401,"message":"No valid API key provided","param":null}'
        else:
            if self.before is not None:
                self.before(path, query)
            status, body = self.route(path, query)
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw += [(k.encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if len(value) > 10 else None
    if parsed is None:
        parsed = datetime.fromisoformat(value + "T00:00:00+00:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class FakeServer:
    """`with FakeServer(generate(...)) as srv: srv.base_url`: uvicorn on a free loopback port in a thread."""

    def __init__(self, data: Data, **options: Any) -> None:
        self.app = FakeChartMogul(data, **options)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="critical", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3 * 365)
    parser.add_argument("--rps", type=float, default=None, help="throttle: requests per second before 429")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    args = parser.parse_args()
    app = FakeChartMogul(generate(args.customers, args.activities, days=args.days), rps=args.rps, latency=args.latency)
    print(f"ready http://127.0.0.1:{args.port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, lifespan="off")


if __name__ == "__main__":
    main()
