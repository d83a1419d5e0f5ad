"""JSON schemas of the streams, field for field as ChartMogul sends them (chartmogul-api.md §1–§5).

Names stay the API's own (kebab-case where the API uses it). A field is nullable only where the
API sends null; fields the API sometimes omits are simply not `required`.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def t(kind: str, *, null: bool = False, fmt: str | None = None, **extra: Any) -> Schema:
    out: Schema = {"type": [kind, "null"] if null else kind}
    if fmt:
        out["format"] = fmt
    out.update(extra)
    return out


S, S0 = t("string"), t("string", null=True)
INT, INT0 = t("integer"), t("integer", null=True)
N = t("number")
B0 = t("boolean", null=True)
DT, DT0 = t("string", fmt="date-time"), t("string", fmt="date-time", null=True)
DATE = t("string", fmt="date")


def obj(properties: dict[str, Schema], *, null: bool = False, required: list[str] | None = None) -> Schema:
    out: Schema = {"type": ["object", "null"] if null else "object", "additionalProperties": True}
    out["properties"] = properties
    if required:
        out["required"] = required
    return out


def array(items: Schema, *, null: bool = False) -> Schema:
    return {"type": ["array", "null"] if null else "array", "items": items}


def root(properties: dict[str, Schema], required: list[str]) -> Schema:
    return {"$schema": "http://json-schema.org/draft-07/schema#", **obj(properties, required=required)}


FREE_OBJECT = obj({})

DATA_SOURCE = root(
    {
        "uuid": S,
        "name": S,
        "system": S,
        "created_at": DT,
        "status": S,
        "processing_status": obj({"processed": INT0, "pending": INT0, "failed": INT0}, null=True),
        "auto_churn_subscription_setting": obj({"enabled": B0, "interval": INT0}, null=True),
        "invoice_handling_setting": obj({}, null=True),
    },
    ["uuid"],
)

CUSTOMER = root(
    {
        "id": INT,
        "uuid": S,
        "external_id": S0,
        "name": S,
        "email": S,
        "status": S,
        "customer-since": DT0,
        "attributes": obj(
            {"custom": FREE_OBJECT, "clearbit": FREE_OBJECT, "stripe": FREE_OBJECT, "tags": array(S)}, null=True
        ),
        "data_source_uuid": S0,
        "data_source_uuids": array(S),
        "external_ids": array(S),
        "company": S,
        "country": S0,
        "state": S0,
        "city": S0,
        "zip": S0,
        "lead_created_at": DT0,
        "free_trial_started_at": DT0,
        "address": obj({"country": S0, "state": S0, "city": S0, "address_zip": S0}, null=True),
        "mrr": INT,
        "arr": INT,
        "billing-system-url": S0,
        "chartmogul-url": S0,
        "billing-system-type": S0,
        "currency": S,
        "currency-sign": S,
        "owner": S0,
        "website_url": S0,
    },
    ["uuid"],
)

ACTIVITY = root(
    {
        "uuid": S,
        "description": S,
        "activity-mrr-movement": INT,
        "activity-mrr": INT,
        "activity-arr": INT,
        "date": DT,
        "type": S,
        "currency": S,
        "subscription-external-id": S,
        "subscription-set-external-id": S,
        "plan-external-id": S,
        "customer-name": S,
        "customer-uuid": S,
        "customer-external-id": S,
        "billing-connector-uuid": S,
    },
    ["uuid", "date"],
)

CUSTOMER_COUNT = root({"date": DATE, "customers": INT, "percentage-change": N}, ["date", "customers"])

_MONEY = ("mrr", "arr", "ltv", "customers", "asp", "arpa")
_RATES = ("customer-churn-rate", "mrr-churn-rate")
METRICS: Schema = root(
    {
        "date": DATE,
        **{key: INT for key in _MONEY},
        **{key: N for key in _RATES},
        **{f"{key}-percentage-change": N for key in (*_MONEY, *_RATES)},
    },
    ["date"],
)

PLAN = root(
    {"uuid": S, "external_id": S, "name": S, "interval_count": INT, "interval_unit": S, "data_source_uuid": S},
    ["uuid"],
)

LINE_ITEM = obj(
    {
        "uuid": S,
        "external_id": S0,
        "type": S,
        "subscription_uuid": S0,
        "subscription_external_id": S0,
        "subscription_set_external_id": S0,
        "plan_uuid": S0,
        "prorated": B0,
        "proration_type": S0,
        "service_period_start": DT0,
        "service_period_end": DT0,
        "amount_in_cents": INT,
        "quantity": INT0,
        "discount_code": S0,
        "discount_amount_in_cents": INT0,
        "tax_amount_in_cents": INT0,
        "transaction_fees_in_cents": INT0,
        "transaction_fees_currency": S0,
        "discount_description": S0,
        "event_order": INT0,
        "account_code": S0,
        "description": S0,
    }
)

TRANSACTION = obj(
    {
        "uuid": S,
        "external_id": S0,
        "type": S,
        "date": DT,
        "result": S,
        "amount_in_cents": INT0,
        "transaction_fees_in_cents": INT0,
        "transaction_fees_currency": S0,
    }
)

INVOICE = root(
    {
        "uuid": S,
        "external_id": S0,
        "customer_uuid": S0,
        "customer_external_id": S0,
        "data_source_uuid": S0,
        "date": DT,
        "due_date": DT0,
        "currency": S,
        "line_items": array(LINE_ITEM),
        "transactions": array(TRANSACTION),
    },
    ["uuid"],
)

SUBSCRIPTION = root(
    {
        "customer_uuid": S,
        "id": INT,
        "uuid": S,
        "external_id": S,
        "subscription_set_external_id": S0,
        "quantity": INT,
        "mrr": INT,
        "arr": INT,
        "status": S,
        "plan": S,
        "billing-cycle": S,
        "billing-cycle-count": INT,
        "start-date": DT,
        "end-date": DT0,
        "currency": S,
        "currency-sign": S,
    },
    ["uuid", "customer_uuid"],
)
