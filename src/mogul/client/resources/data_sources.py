from __future__ import annotations

from ..models import DataSource
from ..requester import Requester


class DataSources:
    """`/v1/data_sources`. Not paginated: `list` returns every matching source."""

    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(
        self,
        *,
        name: str | None = None,
        system: str | None = None,
        with_processing_status: bool | None = None,
        with_auto_churn_subscription_setting: bool | None = None,
        with_invoice_handling_setting: bool | None = None,
    ) -> list[DataSource]:
        body = self._t.request(
            "GET",
            "/v1/data_sources",
            params={
                "name": name,
                "system": system,
                "with_processing_status": with_processing_status,
                "with_auto_churn_subscription_setting": with_auto_churn_subscription_setting,
                "with_invoice_handling_setting": with_invoice_handling_setting,
            },
        )
        return [DataSource(item) for item in body["data_sources"]]

    def retrieve(
        self,
        uuid: str,
        *,
        with_processing_status: bool | None = None,
        with_auto_churn_subscription_setting: bool | None = None,
        with_invoice_handling_setting: bool | None = None,
    ) -> DataSource:
        return DataSource(
            self._t.request(
                "GET",
                f"/v1/data_sources/{_segment(uuid)}",
                params={
                    "with_processing_status": with_processing_status,
                    "with_auto_churn_subscription_setting": with_auto_churn_subscription_setting,
                    "with_invoice_handling_setting": with_invoice_handling_setting,
                },
            )
        )

    def create(self, name: str, *, system: str | None = None) -> DataSource:
        payload: dict[str, str] = {"name": name}
        if system is not None:
            payload["system"] = system
        return DataSource(self._t.request("POST", "/v1/data_sources", json=payload))

    def delete(self, uuid: str) -> None:
        self._t.request("DELETE", f"/v1/data_sources/{_segment(uuid)}")


def _segment(value: str) -> str:
    """A path segment from user input: refuse what would change the path instead of escaping it silently."""
    if not value or "/" in value or value in (".", ".."):
        raise ValueError(f"not a valid identifier: {value!r}")
    return value
