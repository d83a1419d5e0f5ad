"""Error bodies: several generations coexist in the real API, each resource answering in its own."""

from __future__ import annotations

from .base import ApiObject, field


class LegacyError(ApiObject):
    """`{"error": "Data source not found"}`: the older resources' 404s."""

    error: str = field()


class ValidationErrors(ApiObject):
    """422 `{"errors": {"name": "A name is required for each data source."}}`: data sources, customers, plans."""

    errors: dict[str, str] = field(doc="A message per refused field.")


class CodedError(ApiObject):
    """`{"code": 404, "message": "...", "param": "customer_id"}`: authentication, rate limits, malformed input,
    the newer resources' 404s and 422s."""

    code: int = field(doc="The HTTP status.")
    message: str = field()
    param: str | None = field(doc="The parameter at fault, when one is.")


class ErrorDetail(ApiObject):
    param: str | None = field()
    code: str = field(doc="Rails' error code: `blank`, `invalid`, `taken`...")
    message: str = field()


class DetailedError(ApiObject):
    """422 `{"error": "...", "error_details": [...]}`: the newest generation (invoices since 2023, subscription
    events)."""

    error: str = field(doc="The details' messages, joined.")
    error_details: list[ErrorDetail] = field()
