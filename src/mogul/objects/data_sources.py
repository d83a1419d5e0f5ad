"""Data sources: the containers every imported object belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .base import OPTIONAL, REQUIRED, ApiObject, Format, Out, field


class ProcessingStatus(ApiObject):
    """How many of the source's customers the metrics engine has processed, failed on, or still has queued."""

    processed: int = field(minimum=0)
    failed: int = field(minimum=0)
    pending: int = field(minimum=0)


class AutoChurnSetting(ApiObject):
    enabled: bool = field()
    interval: int | None = field()


class InvoiceHandling(ApiObject):
    """When an invoice creates or updates a subscription, for one kind of invoice collection."""

    create_subscription_when_invoice_is: Literal["open", "paid"] = field()
    update_subscription_when_invoice_is: Literal["open", "paid"] = field()
    prevent_subscription_for_invoice_voided: bool = field()
    prevent_subscription_for_invoice_refunded: bool = field()
    prevent_subscription_for_invoice_written_off: bool = field()


class InvoiceHandlingSetting(ApiObject):
    manual: InvoiceHandling = field()
    automatic: InvoiceHandling = field()


class DataSource(ApiObject):
    uuid: str = field(pattern="^ds_")
    name: str = field(
        create=REQUIRED,
        max_length=255,
        not_blank=True,
        messages={"missing": "A name is required for each data source.", "taken": "Has already been taken."},
    )
    system: str = field(create=OPTIONAL, max_length=64, not_blank=True, doc="`Custom` unless a create names one.")
    created_at: datetime = field(fmt=Format.TIMESTAMP)
    status: str = field(doc="`idle`, or `working` while imported data is processed.")
    processing_status: ProcessingStatus = field(out=Out.OPTIONAL, doc="With `with_processing_status=true`.")
    auto_churn_subscription_setting: AutoChurnSetting = field(
        out=Out.OPTIONAL, doc="With `with_auto_churn_subscription_setting=true`."
    )
    invoice_handling_setting: InvoiceHandlingSetting = field(
        out=Out.OPTIONAL, doc="With `with_invoice_handling_setting=true`."
    )
