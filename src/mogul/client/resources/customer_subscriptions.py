"""`/v1/customers/{uuid}/subscriptions` (subscriptions as the metrics see them) and connecting them."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import CustomerSubscription
from ..pagination import Listing
from ..requester import Requester
from .data_sources import _segment


class CustomerSubscriptions:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(self, customer_uuid: str, *, per_page: int = 200) -> Listing[CustomerSubscription]:
        path = f"/v1/customers/{_segment(customer_uuid)}/subscriptions"
        return Listing(self._t, path, CustomerSubscription, per_page=per_page)

    def connect(self, customer_uuid: str, subscriptions: Sequence[tuple[str, str]]) -> None:
        """Connect subscriptions of one customer, given as (data_source_uuid, subscription uuid) pairs: a stop of
        one and a start of another at the same instant then count as a plan switch, not churn and new business."""
        self._connections(customer_uuid, "connect_subscriptions", subscriptions)

    def disconnect(self, customer_uuid: str, subscriptions: Sequence[tuple[str, str]]) -> None:
        self._connections(customer_uuid, "disconnect_subscriptions", subscriptions)

    def _connections(self, customer_uuid: str, action: str, subscriptions: Sequence[tuple[str, str]]) -> None:
        body = {"subscriptions": [{"data_source_uuid": ds, "uuid": uuid} for ds, uuid in subscriptions]}
        self._t.request("POST", f"/v1/customers/{_segment(customer_uuid)}/{action}", json=body)
