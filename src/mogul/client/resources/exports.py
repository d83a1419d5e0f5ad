"""`/v1/activities_export`: start an export, wait for it, download its file."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

import httpx

from ..errors import ChartMogulError
from ..models import ActivitiesExport
from ..requester import Requester
from .data_sources import _segment

Day = date | datetime | str


class ExportFailed(ChartMogulError):
    """The export's job failed (`status: failed`), or did not finish in time."""


class ActivitiesExports:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def create(
        self, *, start_date: Day | None = None, end_date: Day | None = None, type: str | None = None
    ) -> ActivitiesExport:
        """Start an export of the activities from `start_date` through `end_date` (a day includes its whole day),
        of one `type` (`new_biz`, `expansion`, ...), or all of them; every bound is optional."""
        body: dict[str, Any] = {}
        for key, value in (("start-date", start_date), ("end-date", end_date)):
            if value is not None:
                body[key] = value if isinstance(value, str) else value.isoformat()
        if type is not None:
            body["type"] = type
        return ActivitiesExport(self._t.request("POST", "/v1/activities_export", json=body))

    def retrieve(self, id: str) -> ActivitiesExport:
        return ActivitiesExport(self._t.request("GET", f"/v1/activities_export/{_segment(id)}"))

    def wait(self, id: str, *, timeout: float = 300.0, interval: float = 1.0) -> ActivitiesExport:
        """Poll until the export is no longer `pending`; ExportFailed when it failed or `timeout` passed."""
        deadline = time.monotonic() + timeout
        while True:
            export = self.retrieve(id)
            if export.status == "succeeded":
                return export
            if export.status != "pending":
                raise ExportFailed(f"activities export {id} {export.status}")
            if time.monotonic() + interval > deadline:
                raise ExportFailed(f"activities export {id} still pending after {timeout:g}s")
            time.sleep(interval)

    def download(self, export: ActivitiesExport, *, timeout: float = 300.0) -> bytes:
        """The export's zip. `file_url` is pre-signed (S3 for ChartMogul, a signed URL of `mogul serve`): it is
        fetched as it is, without the API key."""
        if not export.file_url:
            raise ExportFailed(f"activities export {export.id} has no file yet ({export.status})")
        response = httpx.get(export.file_url, timeout=timeout, follow_redirects=True)
        if response.status_code != 200:
            raise ExportFailed(f"the export's file answered {response.status_code}")
        return response.content
