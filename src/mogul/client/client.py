"""`Client`: the entry point. One `Requester` (httpx underneath), one attribute per resource."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

import httpx

from .. import redact
from .models import Account
from .pagination import DEFAULT_PER_PAGE, Listing, as_dict
from .requester import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Requester, RetryEvent
from .resources.activities import Activities, CustomerActivities
from .resources.contacts import Contacts
from .resources.customer_subscriptions import CustomerSubscriptions
from .resources.customers import Customers
from .resources.data_sources import DataSources
from .resources.exports import ActivitiesExports
from .resources.imports import Invoices, LineItems, Subscriptions, Transactions
from .resources.json_imports import JsonImports
from .resources.metrics import Metrics
from .resources.notes import CustomerNotes, Notes
from .resources.opportunities import Opportunities
from .resources.plan_groups import PlanGroups
from .resources.plans import Plans
from .resources.subscription_events import SubscriptionEvents
from .resources.tasks import Tasks
from .retry import RetryPolicy


class Client:
    """A ChartMogul API client; works against api.chartmogul.com and against `mogul serve`.

    >>> with Client("KEY", base_url="http://127.0.0.1:8080") as cm:
    ...     for source in cm.data_sources.list():
    ...         print(source.name)

    `transport` takes any httpx transport: `httpx.MockTransport(handler)` in tests,
    `httpx.ASGITransport(app)` to call an ASGI app (`mogul.server.create_app()`) in-process, or an
    `httpx.HTTPTransport(verify=..., proxy=..., retries=...)` for TLS and proxy settings of your own. Without
    one, httpx honours HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY and SSL_CERT_FILE from the environment.
    Retries are mogul's own (`retry`, with `on_retry` told before each wait); `before_request` runs before
    every attempt (a rate limiter, say).
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        on_retry: Callable[[RetryEvent], None] | None = None,
        before_request: Callable[[], None] | None = None,
        max_connections: int = 20,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.requester = Requester(
            api_key,
            base_url,
            retry=retry,
            timeout=timeout,
            on_retry=on_retry,
            before_request=before_request,
            max_connections=max_connections,
            transport=transport,
        )
        self.data_sources = DataSources(self.requester)
        self.customers = Customers(self.requester)
        self.plans = Plans(self.requester)
        self.invoices = Invoices(self.requester)
        self.transactions = Transactions(self.requester)
        self.line_items = LineItems(self.requester)
        self.subscriptions = Subscriptions(self.requester)
        self.customer_subscriptions = CustomerSubscriptions(self.requester)
        self.activities = Activities(self.requester)
        self.customer_activities = CustomerActivities(self.requester)
        self.metrics = Metrics(self.requester)
        self.contacts = Contacts(self.requester)
        self.customer_notes = CustomerNotes(self.requester)
        self.notes = Notes(self.requester)
        self.opportunities = Opportunities(self.requester)
        self.tasks = Tasks(self.requester)
        self.plan_groups = PlanGroups(self.requester)
        self.subscription_events = SubscriptionEvents(self.requester)
        self.activities_exports = ActivitiesExports(self.requester)
        self.json_imports = JsonImports(self.requester)

    @property
    def base_url(self) -> str:
        return self.requester.base_url

    def ping(self) -> str:
        """`GET /v1/ping`: "pong!" when the key is valid; raises AuthenticationError when not."""
        return str(self.request("GET", "/v1/ping")["data"])

    def account(self, include: Iterable[str] = ()) -> Account:
        """`GET /v1/account`; `include` names settings to add (`churn_recognition`, `refund_handling`, ...)."""
        names = ",".join(include)
        return Account(self.request("GET", "/v1/account", params={"include": names or None}))

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None) -> Any:
        """Any API call, with the client's auth and retries: the decoded JSON body (None when empty). For
        endpoints without a resource here, and for callers that want the API's own JSON."""
        return self.requester.request(method, path, params=params, json=json)

    def listing(
        self,
        path: str,
        *,
        key: str = "entries",
        params: Mapping[str, Any] | None = None,
        per_page: int | None = DEFAULT_PER_PAGE,
    ) -> Listing[dict[str, Any]]:
        """Any cursor-paginated list, its items as the API's JSON objects (under `key` in each page)."""
        return Listing(self.requester, path, as_dict, key=key, params=params, per_page=per_page)

    def close(self) -> None:
        self.requester.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(base_url={redact.text(self.base_url)!r})"
