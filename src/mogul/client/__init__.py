"""mogul.client: a typed ChartMogul API client on httpx, with retries, backoff and clear exceptions.

>>> from mogul.client import Client
>>> with Client("KEY") as cm:
...     report = cm.metrics.mrr("2024-01-01", "2024-12-31", interval="month")
"""

from .asgi import ASGIAppTransport
from .client import Client
from .errors import (
    AuthenticationError,
    ChartMogulError,
    ForbiddenError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from .models import (
    Account,
    ActivitiesExport,
    Activity,
    ApiObject,
    Contact,
    Customer,
    CustomerActivity,
    CustomerNote,
    CustomerSubscription,
    DataSource,
    Invoice,
    JsonImport,
    LineItem,
    MetricEntry,
    MetricsReport,
    MetricSummary,
    Note,
    Opportunity,
    Plan,
    PlanGroup,
    Subscription,
    SubscriptionEvent,
    Task,
    Transaction,
)
from .pagination import Listing, Page
from .requester import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Requester, RetryEvent, normalise_base_url
from .retry import NO_RETRY, RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "ASGIAppTransport",
    "Account",
    "ActivitiesExport",
    "Activity",
    "ApiObject",
    "AuthenticationError",
    "ChartMogulError",
    "Client",
    "Contact",
    "Customer",
    "CustomerActivity",
    "CustomerNote",
    "CustomerSubscription",
    "DataSource",
    "ForbiddenError",
    "Invoice",
    "JsonImport",
    "LineItem",
    "Listing",
    "MetricEntry",
    "MetricSummary",
    "MetricsReport",
    "NotFoundError",
    "Note",
    "Opportunity",
    "Page",
    "Plan",
    "PlanGroup",
    "RateLimitError",
    "Requester",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Subscription",
    "SubscriptionEvent",
    "Task",
    "Transaction",
    "TransportError",
    "ValidationError",
    "normalise_base_url",
]
