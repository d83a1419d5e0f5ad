"""`/v1/opportunities`."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..models import Opportunity
from ..pagination import Listing
from .crm import CrmResource


class Opportunities(CrmResource[Opportunity]):
    path = "/v1/opportunities"
    model = Opportunity

    def list(
        self,
        *,
        customer_uuid: str | None = None,
        owner: str | None = None,
        pipeline: str | None = None,
        pipeline_stage: str | None = None,
        estimated_close_date_on_or_after: date | None = None,
        estimated_close_date_on_or_before: date | None = None,
        per_page: int = 200,
    ) -> Listing[Opportunity]:
        """Opportunities newest first, fetched page by page as the listing is iterated."""
        params = {
            "customer_uuid": customer_uuid,
            "owner": owner,
            "pipeline": pipeline,
            "pipeline_stage": pipeline_stage,
            "estimated_close_date_on_or_after": _day(estimated_close_date_on_or_after),
            "estimated_close_date_on_or_before": _day(estimated_close_date_on_or_before),
        }
        return self._list(params, per_page)

    def create(
        self,
        customer_uuid: str,
        *,
        owner: str,
        pipeline: str,
        pipeline_stage: str,
        estimated_close_date: date | str,
        amount_in_cents: int,
        currency: str,
        **fields: Any,
    ) -> Opportunity:
        """Other fields: type (`recurring`, `one-time`), forecast_category, win_likelihood (0-100), custom."""
        body = {
            "customer_uuid": customer_uuid,
            "owner": owner,
            "pipeline": pipeline,
            "pipeline_stage": pipeline_stage,
            "estimated_close_date": _day(estimated_close_date),
            "amount_in_cents": amount_in_cents,
            "currency": currency,
            **fields,
        }
        return self._create(body)


def _day(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value
