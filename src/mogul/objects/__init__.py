"""Every object of ChartMogul's API, declared once (see `base`). The server, the client and the source derive
their forms of each object from these classes; this package imports none of them."""

from .account import Account
from .activities import Activity, CustomerActivity
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
from .customers import Address, Attributes, CustomAttribute, Customer, PrimaryContact
from .data_sources import AutoChurnSetting, DataSource, InvoiceHandling, InvoiceHandlingSetting, ProcessingStatus
from .errors import CodedError, DetailedError, ErrorDetail, LegacyError, ValidationErrors
from .exports import ActivitiesExport, ExportFilter, ExportParams
from .metrics import (
    AllMetricsEntry,
    AllMetricsSummary,
    ArpaEntry,
    ArrEntry,
    AspEntry,
    CustomerChurnRateEntry,
    CustomerCountEntry,
    LtvEntry,
    MetricEntry,
    MetricSummary,
    MrrChurnRateEntry,
    MrrEntry,
)
from .notes import CustomerNote, Note
from .opportunities import Opportunity
from .plan_groups import PlanGroup
from .subscription_events import SubscriptionEvent
from .tasks import Task

__all__ = [
    "NO",
    "OPTIONAL",
    "REQUIRED",
    "Account",
    "ActivitiesExport",
    "Activity",
    "Address",
    "AllMetricsEntry",
    "AllMetricsSummary",
    "ApiObject",
    "ArpaEntry",
    "ArrEntry",
    "AspEntry",
    "AssociatedObjectIdentifier",
    "Attributes",
    "AutoChurnSetting",
    "CodedError",
    "Contact",
    "CustomAttribute",
    "CustomValue",
    "Customer",
    "CustomerActivity",
    "CustomerChurnRateEntry",
    "CustomerCountEntry",
    "CustomerNote",
    "DataSource",
    "DetailedError",
    "ErrorDetail",
    "ExportFilter",
    "ExportParams",
    "Field",
    "Format",
    "In",
    "InvoiceHandling",
    "InvoiceHandlingSetting",
    "LegacyError",
    "LtvEntry",
    "MetricEntry",
    "MetricSummary",
    "MrrChurnRateEntry",
    "MrrEntry",
    "Note",
    "Opportunity",
    "Out",
    "PlanGroup",
    "PrimaryContact",
    "ProcessingStatus",
    "SchemaStyle",
    "SubscriptionEvent",
    "Task",
    "TypeInfo",
    "ValidationErrors",
    "field",
    "field_of",
    "fields",
    "json_schema",
    "key_tree",
    "schema_key_tree",
    "undeclared",
]
