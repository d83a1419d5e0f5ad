"""The one ChartMogul account a server emulates: name, currency, time zone, week start, settings."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import schema
from .database import Database
from .ids import new_uuid

# Smart Activity Classification is on by default ("Understanding MRR movements"). `ltv_formula` is mogul's own:
# the LTV form the metrics use (the current "Chart: Customer Lifetime Value" page by default).
DEFAULT_SETTINGS: dict[str, Any] = {
    "churn_recognition": "immediate",
    "churn_when_zero_mrr": False,
    "auto_churn_subscription": False,
    "refund_handling": "ignore",
    "proximate_movement_reclassification": "one_hour_reclassification",
    "ltv_formula": "arpa_over_trailing_six_month_churn",
}


def ensure_account(db: Database, *, name: str = "mogul", currency: str = "USD", time_zone: str = "UTC") -> None:
    """Create the account row unless it exists. Safe when several workers start at once on one database:
    the loser of the race hits the primary key and finds the winner's row."""
    with contextlib.suppress(IntegrityError):
        _insert_account(db, name, currency, time_zone)


def _insert_account(db: Database, name: str, currency: str, time_zone: str) -> None:
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
