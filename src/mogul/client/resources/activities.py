"""`/v1/activities` (the account's MRR movements) and `/v1/customers/{uuid}/activities` (one customer's)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ..models import Activity, CustomerActivity
from ..pagination import Listing
from ..requester import Requester
from .data_sources import _segment

ACTIVITY_TYPES = ("new_biz", "expansion", "contraction", "churn", "reactivation")


def instant(value: datetime | date | str | None) -> str | None:
    """A `start-date`/`end-date` value: a datetime in UTC (a naive one is taken as UTC), a day, or a string as
    given."""
    if isinstance(value, datetime):
        when = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return when.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


class Activities:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(
        self,
        *,
        start_date: datetime | date | str | None = None,
        end_date: datetime | date | str | None = None,
        type: str | None = None,
        order: str | None = None,
        per_page: int = 200,
    ) -> Listing[Activity]:
        """Movements from `start_date` (inclusive) to `end_date` (exclusive); `type` one of `ACTIVITY_TYPES`;
        `order` `date` (oldest first) or `-date`."""
        params = {"start-date": instant(start_date), "end-date": instant(end_date), "type": type, "order": order}
        return Listing(self._t, "/v1/activities", Activity, params=params, per_page=per_page)


class CustomerActivities:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(self, customer_uuid: str, *, per_page: int = 200) -> Listing[CustomerActivity]:
        path = f"/v1/customers/{_segment(customer_uuid)}/activities"
        return Listing(self._t, path, CustomerActivity, per_page=per_page)
