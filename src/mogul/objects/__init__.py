"""Every object of ChartMogul's API, declared once (see `base`). The server, the client and the source derive
their forms of each object from these classes; this package imports none of them."""

from .account import Account
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
from .exports import ActivitiesExport, ExportFilter, ExportParams
from .invoices import (
    CustomerInvoiceList,
    DisabledState,
    ImportedInvoice,
    ImportedInvoices,
    Invoice,
    InvoiceList,
    LineItem,
    OneTimeLineItem,
    StatusChange,
    StatusChanged,
    SubscriptionLineItem,
    Transaction,
)
from .notes import CustomerNote, Note
from .opportunities import Opportunity
from .plan_groups import PlanGroup
from .plans import Plan, PlanList
from .subscription_events import SubscriptionEvent
from .subscriptions import CustomerSubscription, CustomerSubscriptionList, Subscription, SubscriptionList
from .tasks import Task

__all__ = [
    "NO",
    "OPTIONAL",
    "REQUIRED",
    "Account",
    "ActivitiesExport",
    "Address",
    "ApiObject",
    "AssociatedObjectIdentifier",
    "Attributes",
    "AutoChurnSetting",
    "Contact",
    "CustomAttribute",
    "CustomValue",
    "Customer",
    "CustomerInvoiceList",
    "CustomerNote",
    "CustomerSubscription",
    "CustomerSubscriptionList",
    "DataSource",
    "DisabledState",
    "ExportFilter",
    "ExportParams",
    "Field",
    "Format",
    "ImportedInvoice",
    "ImportedInvoices",
    "In",
    "Invoice",
    "InvoiceHandling",
    "InvoiceHandlingSetting",
    "InvoiceList",
    "LineItem",
    "Note",
    "OneTimeLineItem",
    "Opportunity",
    "Out",
    "Plan",
    "PlanGroup",
    "PlanList",
    "ProcessingStatus",
    "SchemaStyle",
    "StatusChange",
    "StatusChanged",
    "Subscription",
    "SubscriptionEvent",
    "SubscriptionLineItem",
    "SubscriptionList",
    "Task",
    "Transaction",
    "TypeInfo",
    "field",
    "field_of",
    "fields",
    "json_schema",
    "key_tree",
    "schema_key_tree",
    "undeclared",
]
