"""Every object of ChartMogul's API, declared once (see `base`). The server, the client and the source derive
their forms of each object from these classes; this package imports none of them."""

from .base import (
    NO,
    OPTIONAL,
    REQUIRED,
    ApiObject,
    Field,
    Format,
    In,
    Out,
    SchemaStyle,
    TypeInfo,
    field,
    field_of,
    fields,
    json_schema,
    key_tree,
    schema_key_tree,
    undeclared,
)
from .customers import Address, Attributes, CustomAttribute, Customer
from .data_sources import AutoChurnSetting, DataSource, InvoiceHandling, InvoiceHandlingSetting, ProcessingStatus

__all__ = [
    "NO",
    "OPTIONAL",
    "REQUIRED",
    "Address",
    "ApiObject",
    "Attributes",
    "AutoChurnSetting",
    "CustomAttribute",
    "Customer",
    "DataSource",
    "Field",
    "Format",
    "In",
    "InvoiceHandling",
    "InvoiceHandlingSetting",
    "Out",
    "ProcessingStatus",
    "SchemaStyle",
    "TypeInfo",
    "field",
    "field_of",
    "fields",
    "json_schema",
    "key_tree",
    "schema_key_tree",
    "undeclared",
]
