"""`Client`: the entry point. One transport, one attribute per resource."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from .http import Timeout
from .models import Account
from .resources.contacts import Contacts
from .resources.customers import Customers
from .resources.data_sources import DataSources
from .resources.imports import Invoices, Subscriptions, Transactions
from .resources.notes import CustomerNotes, Notes
from .resources.opportunities import Opportunities
from .resources.plans import Plans
from .resources.tasks import Tasks
from .retry import RetryPolicy
from .transport import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, RetryEvent, Transport

if TYPE_CHECKING:
    import httpx


class Client:
    """A ChartMogul API client; works against api.chartmogul.com and against `mogul serve`.

    >>> with Client("KEY", base_url="http://127.0.0.1:8080") as cm:
    ...     for source in cm.data_sources.list():
    ...         print(source.name)
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        retry: RetryPolicy | None = None,
        timeout: Timeout | httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        on_retry: Callable[[RetryEvent], None] | None = None,
        before_request: Callable[[], None] | None = None,
        max_connections: int = 20,
    ) -> None:
        self.transport = Transport(
            api_key,
            base_url,
            retry=retry,
            timeout=timeout,
            on_retry=on_retry,
            before_request=before_request,
            max_connections=max_connections,
        )
        self.data_sources = DataSources(self.transport)
        self.customers = Customers(self.transport)
        self.plans = Plans(self.transport)
        self.invoices = Invoices(self.transport)
        self.transactions = Transactions(self.transport)
        self.subscriptions = Subscriptions(self.transport)
        self.contacts = Contacts(self.transport)
        self.customer_notes = CustomerNotes(self.transport)
        self.notes = Notes(self.transport)
        self.opportunities = Opportunities(self.transport)
        self.tasks = Tasks(self.transport)

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def ping(self) -> str:
        """`GET /v1/ping`: "pong!" when the key is valid; raises AuthenticationError when not."""
        return str(self.transport.request("GET", "/v1/ping")["data"])

    def account(self) -> Account:
        return Account(self.transport.request("GET", "/v1/account"))

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r})"
