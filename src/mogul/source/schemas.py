"""JSON schemas of the streams, field for field as ChartMogul sends them.

Names stay the API's own (kebab-case where the API uses it). The objects' schemas derive from their declarations
(`mogul.objects`): every field may be null or missing, since a reader must not refuse a record the real API sends
without one; only the primary key is required.
"""

from __future__ import annotations

from typing import Any

from ..objects import (
    Account,
    ApiObject,
    Contact,
    CustomerNote,
    DataSource,
    Opportunity,
    PlanGroup,
    SchemaStyle,
    SubscriptionEvent,
    Task,
    TypeInfo,
    json_schema,
)

Schema = dict[str, Any]
_STYLE = SchemaStyle(closed=False, lenient=True, leaf=lambda f, info, view: _leaf(info))


def _leaf(info: TypeInfo) -> Schema:
    """A field's type and date format; the server's bounds and patterns are its own business, not a reader's."""
    kinds = {"datetime": "string", "date": "string", "map": "object"}
    out: Schema = {} if info.kind == "any" else {"type": kinds.get(info.kind, info.kind)}
    if info.kind in ("datetime", "date"):
        out["format"] = "date-time" if info.kind == "datetime" else "date"
    if info.kind == "array" and info.items is not None:
        out["items"] = _leaf(info.items)
    return out


def _plain(schema: Schema) -> Schema:
    """`anyOf` of plain types as one list of types (`str | bool` -> `["string", "boolean", "null"]`): Airbyte's
    schemas name types, they do not combine schemas."""
    if "anyOf" in schema:
        options = [_plain(option) for option in schema["anyOf"]]
        if all(set(option) == {"type"} for option in options):
            kinds = [
                k
                for option in options
                for k in ([option["type"]] if isinstance(option["type"], str) else option["type"])
            ]
            return {"type": list(dict.fromkeys(kinds))}
    if "properties" in schema:
        return {**schema, "properties": {key: _plain(value) for key, value in schema["properties"].items()}}
    return schema


def declared(cls: type[ApiObject], required: tuple[str, ...] = ("uuid",)) -> Schema:
    """A stream's JSON schema from an object's declaration: open objects, every field nullable, `required` keys."""
    schema = _plain(json_schema(cls, "response", _STYLE))
    for key in required:  # a key is never null
        schema["properties"][key] = {**schema["properties"][key], "type": schema["properties"][key]["type"][0]}
    return {"$schema": "http://json-schema.org/draft-07/schema#", **schema, "required": list(required)}


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

DATA_SOURCE = declared(DataSource)
CONTACT = declared(Contact)
CUSTOMER_NOTE = declared(CustomerNote)
OPPORTUNITY = declared(Opportunity)
TASK = declared(Task, required=("task_uuid",))
ACCOUNT = declared(Account, required=("id",))
SUBSCRIPTION_EVENT = declared(SubscriptionEvent, required=("id",))
# A plan group as the API sends it, plus the uuids of its plans (read from the group's plan list).
PLAN_GROUP = declared(PlanGroup)
PLAN_GROUP["properties"]["plan_uuids"] = {"type": ["array", "null"], "items": {"type": "string"}}

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
