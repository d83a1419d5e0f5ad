"""Schema 4 -> 5: the defaults earlier versions stored (and never read) become ChartMogul's documented ones."""

from __future__ import annotations

from sqlalchemy import select, update

from mogul.server.store import Database, schema
from mogul.server.store.data_sources import DataSources, Detail


def test_version_4_stored_defaults_become_the_documented_ones(db: Database) -> None:
    made = DataSources(db).create({"name": "Old"})
    old_handling = {
        mode: {
            "create_subscription_when_invoice_is": "open",
            "update_subscription_when_invoice_is": "open",
            "prevent_subscription_for_invoice_voided": True,
            "prevent_subscription_for_invoice_refunded": False,
            "prevent_subscription_for_invoice_written_off": True,
        }
        for mode in ("manual", "automatic")
    }
    with db.begin() as conn:
        conn.execute(update(schema.data_sources).values(invoice_handling=old_handling))
        stored = conn.execute(select(schema.account.c.settings)).scalar_one()
        old_settings = {k: v for k, v in stored.items() if k != "ltv_formula"}
        old_settings["proximate_movement_reclassification"] = "disabled"
        conn.execute(update(schema.account).values(settings=old_settings))
        conn.execute(update(schema.meta).where(schema.meta.c.key == "schema_version").values(value="4"))

    db.migrate()
    handling = DataSources(db).get(made["uuid"], Detail(invoice_handling_setting=True))["invoice_handling_setting"]
    for mode in ("manual", "automatic"):
        assert handling[mode] == old_handling[mode] | {"create_subscription_when_invoice_is": "paid"}
    with db.read() as conn:
        settings = conn.execute(select(schema.account.c.settings)).scalar_one()
        version = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
    assert settings["proximate_movement_reclassification"] == "one_hour_reclassification"
    assert version == str(schema.SCHEMA_VERSION)
    db.migrate()  # a second start changes nothing
