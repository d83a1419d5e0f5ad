"""The account and data-source settings that change how MRR, activities and metrics are computed.

ChartMogul keeps them in its app (Settings & Data); its API only shows them (`/account`, `with_*_setting` on
data sources). mogul reads them from the same places and changes them with `mogul settings` (commands/).
Every change re-queues the customers it affects. Defaults and sources: docs/metrics.md "Settings".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from ...engine import INVOICE_STATES, SourceSettings
from . import schema
from .account import DEFAULT_SETTINGS
from .database import Database

# Account settings (`/account` keys) -> engine values.
SMART_WINDOWS: dict[str, int | None] = {"one_hour_reclassification": 60, "disabled": None}
LTV_FORMULAS = {"arpa_over_trailing_six_month_churn": "trailing_six", "arpa_over_churn": "arpa_over_churn"}
CHURN_RECOGNITIONS = {"immediate": "at_cancellation", "end_of_service_period": "end_of_service_period"}
ACCOUNT_CHOICES: dict[str, tuple[str, ...]] = {
    "churn_recognition": tuple(CHURN_RECOGNITIONS),
    "proximate_movement_reclassification": tuple(SMART_WINDOWS),
    "ltv_formula": tuple(LTV_FORMULAS),
}
# The invoice-handling block that applies: API invoices carry no collection method, so "automatic".
HANDLING_MODE = "automatic"
HANDLING_KEYS = {"create": "create_subscription_when_invoice_is", "update": "update_subscription_when_invoice_is"}


class SettingError(ValueError):
    """A setting name or value that mogul does not know."""


def _choice(settings: dict[str, Any], key: str, table: dict[str, Any]) -> Any:
    value = settings.get(key, DEFAULT_SETTINGS[key])
    return table.get(value, table[DEFAULT_SETTINGS[key]])


def engine_options(account_settings: dict[str, Any] | None) -> dict[str, Any]:
    """`Settings` keyword arguments from the account's stored settings (unknown values read as the default)."""
    stored = account_settings or {}
    return {
        "churn_recognition": _choice(stored, "churn_recognition", CHURN_RECOGNITIONS),
        "smart_activity_window_minutes": _choice(stored, "proximate_movement_reclassification", SMART_WINDOWS),
        "ltv_mode": _choice(stored, "ltv_formula", LTV_FORMULAS),
    }


def source_settings(row: Any) -> SourceSettings:
    """A data source's invoice handling and past-due handling ("Invoice handling", "Handling past-due
    subscriptions") as the engine reads them."""
    handling = (row.invoice_handling or {}).get(HANDLING_MODE) or {}

    def state(key: str, default: str) -> Any:
        value = handling.get(HANDLING_KEYS[key], default)
        return value if value in INVOICE_STATES else default

    return SourceSettings(
        create_subscription_when=state("create", "paid"),
        update_subscription_when=state("update", "open"),
        exclude_refunded=bool(handling.get("prevent_subscription_for_invoice_refunded", False)),
        exclude_voided=bool(
            handling.get("prevent_subscription_for_invoice_voided", False)
            or handling.get("prevent_subscription_for_invoice_written_off", False)
        ),
        auto_churn_days=row.auto_churn_interval if row.auto_churn_enabled else None,
    )


def load_sources(conn: Connection) -> dict[str, SourceSettings]:
    ds = schema.data_sources
    rows = conn.execute(select(ds.c.uuid, ds.c.invoice_handling, ds.c.auto_churn_enabled, ds.c.auto_churn_interval))
    return {row.uuid: source_settings(row) for row in rows}


def _requeue(conn: Connection, data_source_id: int | None = None) -> int:
    from ..processing import enqueue  # processing imports the store: import it when a setting changes

    c = schema.customers
    query = select(c.c.id, c.c.data_source_id)
    if data_source_id is not None:
        query = query.where(c.c.data_source_id == data_source_id)
    customers = conn.execute(query).all()
    enqueue(conn, [(row.id, row.data_source_id) for row in customers])
    return len(customers)


def set_account_setting(db: Database, key: str, value: str) -> int:
    """Change one account setting; every customer is recomputed. Returns how many were queued."""
    choices = ACCOUNT_CHOICES.get(key)
    if choices is None:
        raise SettingError(f"unknown account setting {key!r}; one of {', '.join(ACCOUNT_CHOICES)}")
    if value not in choices:
        raise SettingError(f"{key} must be one of {', '.join(choices)}")
    account = schema.account
    with db.begin() as conn:
        stored = dict(conn.execute(select(account.c.settings)).scalar_one() or {})
        stored[key] = value
        conn.execute(update(account).values(settings=stored))
        return _requeue(conn)


def set_source_settings(
    db: Database,
    data_source_uuid: str,
    *,
    create: str | None = None,
    update_when: str | None = None,
    auto_churn_days: int | None = None,
    auto_churn: bool | None = None,
) -> int:
    """Change a data source's invoice handling (both blocks) or auto-churn; its customers are recomputed."""
    for name, value in (("create", create), ("update", update_when)):
        if value is not None and value not in INVOICE_STATES:
            raise SettingError(f"{name} must be one of {', '.join(INVOICE_STATES)}")
    if auto_churn_days is not None and not 1 <= auto_churn_days <= 90:
        raise SettingError("auto-churn days must be from 1 to 90")
    ds = schema.data_sources
    with db.begin() as conn:
        row = conn.execute(
            select(ds.c.id, ds.c.invoice_handling, ds.c.auto_churn_enabled, ds.c.auto_churn_interval).where(
                ds.c.uuid == data_source_uuid
            )
        ).first()
        if row is None:
            raise SettingError(f"no data source {data_source_uuid}")
        handling = {mode: dict(block) for mode, block in (row.invoice_handling or {}).items()}
        for mode in ("manual", "automatic"):
            block = handling.setdefault(mode, {})
            if create is not None:
                block[HANDLING_KEYS["create"]] = create
            if update_when is not None:
                block[HANDLING_KEYS["update"]] = update_when
        enabled = row.auto_churn_enabled if auto_churn is None else auto_churn
        interval = auto_churn_days if auto_churn_days is not None else row.auto_churn_interval
        if enabled and interval is None:
            raise SettingError("auto-churn needs a number of days")
        conn.execute(
            update(ds)
            .where(ds.c.id == row.id)
            .values(invoice_handling=handling, auto_churn_enabled=enabled, auto_churn_interval=interval)
        )
        return _requeue(conn, row.id)


def upgrade_stored_defaults(conn: Connection) -> None:
    """Schema 4 -> 5: values earlier versions stored as defaults (and never read) become the documented ones:
    "create_subscription_when_invoice_is": "open" -> "paid" ("Invoice handling"), and Smart Activity
    Classification "disabled" -> on ("Understanding MRR movements"). Nothing could have set them by hand."""
    ds, account = schema.data_sources, schema.account
    for row in conn.execute(select(ds.c.id, ds.c.invoice_handling)).all():
        handling = {mode: dict(block) for mode, block in (row.invoice_handling or {}).items()}
        for block in handling.values():
            if block.get(HANDLING_KEYS["create"]) == "open":
                block[HANDLING_KEYS["create"]] = "paid"
        if handling != row.invoice_handling:
            conn.execute(update(ds).where(ds.c.id == row.id).values(invoice_handling=handling))
    stored = conn.execute(select(account.c.settings)).scalar_one_or_none()
    if stored and stored.get("proximate_movement_reclassification") == "disabled":
        new = dict(stored, proximate_movement_reclassification=DEFAULT_SETTINGS["proximate_movement_reclassification"])
        conn.execute(update(account).values(settings=new))
