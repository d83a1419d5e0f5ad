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
from .models import Account, ApiObject, DataSource
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
    "DataSource",
    "ForbiddenError",
    "NotFoundError",
    "RateLimitError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "ValidationError",
]
