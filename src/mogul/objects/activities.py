"""Activities: MRR movements, account-wide (`/activities`) and one customer's (`/customers/{uuid}/activities`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .base import ApiObject, Format, field

ActivityType = Literal["new_biz", "expansion", "contraction", "churn", "reactivation"]


class Activity(ApiObject):
    """A movement as `/activities` lists it: kebab-case keys but for `uuid`, `date`, `type`,
    `currency` and `description`."""

    description: str = field(doc='`"purchased the Silver plan"`.')
    activity_mrr_movement: int = field("activity-mrr-movement", doc="Signed change of MRR, in cents.")
    activity_mrr: int = field("activity-mrr", doc="The subscription's MRR after the movement, in cents.")
    activity_arr: int = field("activity-arr", doc="12 times `activity-mrr`.")
    date: datetime = field(fmt=Format.OFFSET, doc="In the account's time zone.")
    type: ActivityType = field()
    currency: str = field()
    subscription_external_id: str = field("subscription-external-id")
    subscription_set_external_id: str = field("subscription-set-external-id")
    plan_external_id: str = field("plan-external-id")
    customer_name: str = field("customer-name")
    customer_uuid: str = field("customer-uuid", pattern="^cus_")
    customer_external_id: str = field("customer-external-id")
    billing_connector_uuid: str = field("billing-connector-uuid", pattern="^ds_", doc="The data source.")
    uuid: str = field()


class CustomerActivity(ApiObject):
    """A movement of one customer: an integer `id` and `currency-sign`, no customer, plan or
    data source keys."""

    id: int = field()
    description: str = field()
    activity_mrr_movement: int = field("activity-mrr-movement")
    activity_mrr: int = field("activity-mrr")
    activity_arr: int = field("activity-arr")
    date: datetime = field(fmt=Format.OFFSET)
    type: ActivityType = field()
    currency: str = field()
    currency_sign: str = field("currency-sign")
    subscription_external_id: str = field("subscription-external-id")
