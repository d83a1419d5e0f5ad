"""The activities export: an asynchronous job that writes the account's activities to a file. The
file's format is mogul's choice (docs/server.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .base import OPTIONAL, ApiObject, Format, Out, field

ActivityType = Literal["new_biz", "expansion", "contraction", "churn", "reactivation"]
# `2020-01-01 00:00:00 +0000`, as recorded under `params.params`.
PARAM_DATE = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000$"


class ExportFilter(ApiObject):
    activity_type: ActivityType | None = field()
    start_date: str | None = field(pattern=PARAM_DATE)
    end_date: str | None = field(pattern=PARAM_DATE)


class ExportParams(ApiObject):
    kind: Literal["activities"] = field()
    params: ExportFilter = field()


class ActivitiesExport(ApiObject):
    id: str = field(pattern="^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    status: Literal["pending", "succeeded", "failed"] = field(
        doc="`pending` until the file is written (no `processing`: clients poll while `pending`)."
    )
    file_url: str | None = field(fmt=Format.URL, doc="A signed URL of the zip, valid without a key until `expires_at`.")
    params: ExportParams = field()
    expires_at: datetime | None = field(fmt=Format.OFFSET, doc="Seven days after the file was written.")
    created_at: datetime = field(fmt=Format.OFFSET)
    # The create body. Dates and type are optional: an open range, every type.
    start_date: datetime | None = field("start-date", create=OPTIONAL, out=Out.NEVER)
    end_date: datetime | None = field("end-date", create=OPTIONAL, out=Out.NEVER, doc="A day includes its whole day.")
    type: ActivityType | None = field(create=OPTIONAL, out=Out.NEVER)
    start_date_snake: datetime | None = field(
        "start_date", create=OPTIONAL, out=Out.NEVER, doc="`start-date` as older clients spell it; kebab wins."
    )
    end_date_snake: datetime | None = field(
        "end_date", create=OPTIONAL, out=Out.NEVER, doc="`end-date` as older clients spell it; kebab wins."
    )
