"""Every object of ChartMogul's API, declared once (see `base`). The server, the client and the source derive
their forms of each object from these classes; this package imports none of them."""

from .associations import AssociatedObjectIdentifier
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
from .contacts import Contact, CustomValue
from .customers import Address, Attributes, CustomAttribute, Customer
from .data_sources import AutoChurnSetting, DataSource, InvoiceHandling, InvoiceHandlingSetting, ProcessingStatus
from .notes import CustomerNote, Note
from .opportunities import Opportunity
from .tasks import Task

__all__ = [
    "NO",
    "OPTIONAL",
    "REQUIRED",
    "Address",
    "ApiObject",
    "AssociatedObjectIdentifier",
    "Attributes",
    "AutoChurnSetting",
    "Contact",
    "CustomAttribute",
    "CustomValue",
    "Customer",
    "CustomerNote",
    "DataSource",
    "Field",
    "Format",
    "In",
    "InvoiceHandling",
    "InvoiceHandlingSetting",
    "Note",
    "Opportunity",
    "Out",
    "ProcessingStatus",
    "SchemaStyle",
    "Task",
    "TypeInfo",
    "field",
    "field_of",
    "fields",
    "json_schema",
    "key_tree",
    "schema_key_tree",
    "undeclared",
]
