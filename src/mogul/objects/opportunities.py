"""Opportunities: deals in a sales pipeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from .base import OPTIONAL, REQUIRED, ApiObject, Format, field
from .contacts import custom_field
from .customers import MAX_TEXT

FORECAST_CATEGORIES = ("pipeline", "best_case", "committed", "lost", "won")


class Opportunity(ApiObject):
    uuid: str = field(doc="A bare UUID, no prefix.")
    customer_uuid: str = field(create=REQUIRED, update=True, pattern="^cus_")
    owner: str = field(create=REQUIRED, update=True, max_length=MAX_TEXT, fmt=Format.EMAIL, doc="A user's email.")
    pipeline: str = field(create=REQUIRED, update=True, max_length=MAX_TEXT, not_blank=True)
    pipeline_stage: str = field(create=REQUIRED, update=True, max_length=MAX_TEXT, not_blank=True)
    estimated_close_date: date = field(create=REQUIRED, update=True, fmt=Format.DATE)
    currency: str = field(create=REQUIRED, update=True, pattern="^[A-Za-z]{3}$", doc="ISO 4217, answered upper-case.")
    amount_in_cents: int = field(create=REQUIRED, update=True, minimum=0)
    type: Literal["recurring", "one-time"] = field(create=OPTIONAL, update=True, doc="Default `recurring`.")
    forecast_category: Literal["pipeline", "best_case", "committed", "lost", "won"] = field(
        create=OPTIONAL, update=True, doc="Default `pipeline`."
    )
    win_likelihood: int = field(create=OPTIONAL, update=True, minimum=0, maximum=100, doc="Percent; default 0.")
    custom: dict[str, Any] = custom_field()
    created_at: datetime = field(fmt=Format.TIMESTAMP)
    updated_at: datetime = field(fmt=Format.TIMESTAMP)
