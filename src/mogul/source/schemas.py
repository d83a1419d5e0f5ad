"""JSON schemas of the streams, field for field as ChartMogul sends them.

Names stay the API's own (kebab-case where the API uses it). The objects' schemas derive from their declarations
(`mogul.objects`): every field may be null or missing, since a reader must not refuse a record the real API sends
without one; only the primary key is required.
"""

from __future__ import annotations

from typing import Any

from ..objects import (
    Account,
    Activity,
    AllMetricsEntry,
    ApiObject,
    Contact,
    Customer,
    CustomerCountEntry,
    CustomerNote,
    CustomerSubscription,
    DataSource,
    Invoice,
    Opportunity,
    Plan,
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
    """`anyOf` of plain types as one list of types (`str | bool` -> `["string", "boolean", "null"]`), and of
    objects as one object with the properties of each (a line item of either type): Airbyte's schemas name types,
    they do not combine schemas."""
    if "items" in schema:
        schema = {**schema, "items": _plain(schema["items"])}
    if "anyOf" in schema:
        options = [_plain(option) for option in schema["anyOf"]]
        if all(option.get("properties") is not None for option in options):
            merged: Schema = {**options[0], "properties": {}}
            for option in options:
                merged["properties"].update(option["properties"])
            return merged
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

CUSTOMER = declared(Customer)

ACTIVITY = declared(Activity, required=("uuid", "date"))

CUSTOMER_COUNT = declared(CustomerCountEntry, required=("date", "customers"))
METRICS = declared(AllMetricsEntry, required=("date",))

PLAN = declared(Plan)
INVOICE = declared(Invoice)
# A customer's subscriptions as the metrics see them, plus the customer's uuid (the parent stream's key).
SUBSCRIPTION = declared(CustomerSubscription)
SUBSCRIPTION["properties"]["customer_uuid"] = {"type": "string"}
SUBSCRIPTION["required"] = ["uuid", "customer_uuid"]
