"""The one ChartMogul account a server emulates: name, currency, time zone, week start, settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from . import schema
from .database import Database
from .ids import new_uuid

DEFAULT_SETTINGS: dict[str, Any] = {
    "churn_recognition": "immediate",
    "churn_when_zero_mrr": "ignore",
    "auto_churn_subscription": "disabled",
    "refund_handling": "ignore",
    "proximate_movement_reclassification": "disabled",
}


def ensure_account(db: Database, *, name: str = "mogul", currency: str = "USD", time_zone: str = "UTC") -> None:
    with db.begin() as conn:
        if conn.execute(select(schema.account.c.id)).first() is None:
            conn.execute(
                schema.account.insert().values(
                    id=1,
                    uuid=new_uuid("acc_"),
                    name=name,
                    currency=currency,
                    time_zone=time_zone,
                    week_start_on="sunday",
                    settings=DEFAULT_SETTINGS,
                )
            )


def get_account(db: Database) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(schema.account)).one()
    return {
        "name": row.name,
        "currency": row.currency,
        "time_zone": row.time_zone,
        "week_start_on": row.week_start_on,
        "id": row.uuid,
        **{key: row.settings.get(key, default) for key, default in DEFAULT_SETTINGS.items()},
    }
