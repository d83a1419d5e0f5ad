"""mogul.client: a typed ChartMogul API client with retries, backoff and clear exceptions.

The names below are imported on first use (PEP 562): `source-chartmogul` needs only the transport, and every
module it does not import is start-up time saved at each sync.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Client": ".client",
    "AuthenticationError": ".errors",
    "ChartMogulError": ".errors",
    "ForbiddenError": ".errors",
    "NotFoundError": ".errors",
    "RateLimitError": ".errors",
    "ServerError": ".errors",
    "TransportError": ".errors",
    "ValidationError": ".errors",
    "Timeout": ".http",
    "Account": ".models",
    "ApiObject": ".models",
    "Contact": ".models",
    "Customer": ".models",
    "CustomerNote": ".models",
    "DataSource": ".models",
    "Invoice": ".models",
    "LineItem": ".models",
    "Note": ".models",
    "Opportunity": ".models",
    "Plan": ".models",
    "Subscription": ".models",
    "Task": ".models",
    "Transaction": ".models",
    "Listing": ".pagination",
    "Page": ".pagination",
    "NO_RETRY": ".retry",
    "RetryPolicy": ".retry",
    "DEFAULT_BASE_URL": ".transport",
    "RetryEvent": ".transport",
}

__all__ = [
    "DEFAULT_BASE_URL",
    "NO_RETRY",
    "Account",
    "ApiObject",
    "AuthenticationError",
    "ChartMogulError",
    "Client",
    "Contact",
    "Customer",
    "CustomerNote",
    "DataSource",
    "ForbiddenError",
    "Invoice",
    "LineItem",
    "Listing",
    "NotFoundError",
    "Note",
    "Opportunity",
    "Page",
    "Plan",
    "RateLimitError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Subscription",
    "Task",
    "Timeout",
    "Transaction",
    "TransportError",
    "ValidationError",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


if TYPE_CHECKING:
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
    from .http import Timeout
    from .models import (
        Account,
        ApiObject,
        Contact,
        Customer,
        CustomerNote,
        DataSource,
        Invoice,
        LineItem,
        Note,
        Opportunity,
        Plan,
        Subscription,
        Task,
        Transaction,
    )
    from .pagination import Listing, Page
    from .retry import NO_RETRY, RetryPolicy
    from .transport import DEFAULT_BASE_URL, RetryEvent
