"""mogul.client: a typed ChartMogul API client with retries, backoff and clear exceptions."""

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
from .models import Account, ApiObject, Customer, DataSource, Invoice, LineItem, Plan, Subscription, Transaction
from .pagination import Listing, Page
from .retry import NO_RETRY, RetryPolicy
from .transport import DEFAULT_BASE_URL, RetryEvent

__all__ = [
    "DEFAULT_BASE_URL",
    "NO_RETRY",
    "Account",
    "ApiObject",
    "AuthenticationError",
    "ChartMogulError",
    "Client",
    "Customer",
    "DataSource",
    "ForbiddenError",
    "Invoice",
    "LineItem",
    "Listing",
    "NotFoundError",
    "Page",
    "Plan",
    "RateLimitError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Subscription",
    "Transaction",
    "TransportError",
    "ValidationError",
]
