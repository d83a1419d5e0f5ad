"""The database schema (SQLAlchemy Core). Timestamps are UTC microseconds since the epoch (BigInteger).

Tables are created, and older databases upgraded, by `database.Database.migrate()` on start.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 6

metadata = MetaData()

meta = Table(
    "mogul_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

account = Table(
    "account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("week_start_on", String(16), nullable=False),
    Column("settings", JSON, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    # sha256 of the key: keys are never stored in clear.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_hint", String(8), nullable=False),
    Column("access", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
)

data_sources = Table(
    "data_sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("system", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("auto_churn_enabled", Boolean, nullable=False, default=False),
    Column("auto_churn_interval", Integer, nullable=True),
    Column("invoice_handling", JSON, nullable=False),
    UniqueConstraint("name", name="uq_data_sources_name"),
)

Index("ix_data_sources_created", data_sources.c.created_at, data_sources.c.id)

# --- Import API. Every imported row hangs off a data source with ON DELETE CASCADE, so deleting a
# source (or emptying it) removes everything imported through it in one statement. Line items, transactions and
# subscriptions carry `customer_id` so the metrics engine can load one customer's data with indexed lookups.


def _ds_fk() -> Column[int]:
    return Column("data_source_id", Integer, ForeignKey("data_sources.id", ondelete="CASCADE"), nullable=False)


def _customer_fk() -> Column[int]:
    return Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)


customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _ds_fk(),
    Column("external_id", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("email", String(255), nullable=False),
    Column("company", String(255), nullable=False),
    Column("country", String(2), nullable=True),
    Column("state", String(255), nullable=True),
    Column("city", String(255), nullable=True),
    Column("zip", String(64), nullable=True),
    Column("website_url", String(1024), nullable=True),
    Column("owner", String(255), nullable=True),
    Column("lead_created_at", BigInteger, nullable=True),
    Column("free_trial_started_at", BigInteger, nullable=True),
    Column("tags", JSON, nullable=False),
    Column("custom", JSON, nullable=False),
    # Other (data source, external id) pairs merged into this customer: [[ds_uuid, external_id], ...].
    Column("merged_ids", JSON, nullable=False),
    # Filled by the metrics engine; a new customer is a lead with no MRR.
    Column("status", String(32), nullable=False),
    Column("mrr", BigInteger, nullable=False),
    Column("arr", BigInteger, nullable=False),
    Column("customer_since", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("data_source_id", "external_id", name="uq_customers_external_id"),
)
Index("ix_customers_created", customers.c.created_at, customers.c.id)
# The list filtered by data source, and by data source and status, in page order (schema version 4). Without
# them each page of such a list read and sorted all of the source's customers; the Airbyte source reads a
# large account as one such chain per data source and status.
CUSTOMER_LIST_INDEXES = (
    Index("ix_customers_source_created", customers.c.data_source_id, customers.c.created_at, customers.c.id),
    Index(
        "ix_customers_source_status",
        customers.c.data_source_id,
        customers.c.status,
        customers.c.created_at,
        customers.c.id,
    ),
)
Index("ix_customers_email", customers.c.email)
Index("ix_customers_external_id", customers.c.external_id)

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _ds_fk(),
    Column("external_id", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("interval_count", Integer, nullable=False),
    Column("interval_unit", String(8), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("data_source_id", "external_id", name="uq_plans_external_id"),
)
Index("ix_plans_created", plans.c.created_at, plans.c.id)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _ds_fk(),
    _customer_fk(),
    Column("external_id", String(255), nullable=False),
    Column("set_external_id", String(255), nullable=True),
    # The plan of the latest imported line item; NO ACTION (checked at statement end) so a plan in use cannot be
    # deleted alone while a cascade from its data source still can.
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=True),
    # Sorted UTC microsecond ints: PATCH `cancelled_at` appends one, `cancellation_dates` replaces them all.
    Column("cancellation_dates", JSON, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("customer_id", "data_source_id", "external_id", name="uq_subscriptions_external_id"),
)
Index("ix_subscriptions_plan", subscriptions.c.plan_id)
Index("ix_subscriptions_data_source", subscriptions.c.data_source_id)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _ds_fk(),
    _customer_fk(),
    Column("external_id", String(255), nullable=False),
    Column("date", BigInteger, nullable=False),
    Column("due_date", BigInteger, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("data_source_id", "external_id", name="uq_invoices_external_id"),
)
Index("ix_invoices_customer", invoices.c.customer_id, invoices.c.date, invoices.c.id)
Index("ix_invoices_date", invoices.c.date, invoices.c.id)

# The status an API call set on an invoice (`voided`, `written_off`); an invoice without a row has the status its
# transactions give it. A table of its own: the invoice rows, written by every import, stay as they are.
invoice_statuses = Table(
    "invoice_statuses",
    metadata,
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("changed_at", BigInteger, nullable=False),
)

# The collection method an edit set (`PATCH /invoices/{uuid}`); tables of their own, like the statuses above, so
# that databases made before invoice editing need no migration (`create_all` adds them).
invoice_collection_methods = Table(
    "invoice_collection_methods",
    metadata,
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True),
    Column("collection_method", String(16), nullable=False),
)

line_items = Table(
    "line_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    _ds_fk(),
    _customer_fk(),
    Column("type", String(16), nullable=False),
    Column("external_id", String(255), nullable=True),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=True),
    Column("service_period_start", BigInteger, nullable=True),
    Column("service_period_end", BigInteger, nullable=True),
    Column("amount_in_cents", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("prorated", Boolean, nullable=False),
    Column("proration_type", String(32), nullable=True),
    Column("cancelled_at", BigInteger, nullable=True),
    Column("discount_code", String(255), nullable=False),
    Column("discount_amount_in_cents", BigInteger, nullable=False),
    Column("discount_description", String(1024), nullable=True),
    Column("tax_amount_in_cents", BigInteger, nullable=False),
    Column("transaction_fees_in_cents", BigInteger, nullable=False),
    Column("transaction_fees_currency", String(3), nullable=True),
    Column("account_code", String(255), nullable=False),
    Column("description", String(1024), nullable=True),
    Column("event_order", BigInteger, nullable=True),
    # NULL external ids never collide (both databases treat NULLs as distinct).
    UniqueConstraint("data_source_id", "external_id", name="uq_line_items_external_id"),
)
Index("ix_line_items_invoice", line_items.c.invoice_id)
Index("ix_line_items_customer", line_items.c.customer_id)
Index("ix_line_items_subscription", line_items.c.subscription_id)
Index("ix_line_items_plan", line_items.c.plan_id)

# The line items added to an existing invoice (`POST /import/invoices/{uuid}/line_items`): `user_created`.
user_created_line_items = Table(
    "user_created_line_items",
    metadata,
    Column("line_item_id", Integer, ForeignKey("line_items.id", ondelete="CASCADE"), primary_key=True),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    _ds_fk(),
    _customer_fk(),
    Column("external_id", String(255), nullable=True),
    Column("type", String(16), nullable=False),
    Column("date", BigInteger, nullable=False),
    Column("result", String(16), nullable=False),
    Column("amount_in_cents", BigInteger, nullable=True),
    Column("transaction_fees_in_cents", BigInteger, nullable=True),
    Column("transaction_fees_currency", String(3), nullable=True),
    UniqueConstraint("data_source_id", "external_id", name="uq_transactions_external_id"),
)
Index("ix_transactions_invoice", transactions.c.invoice_id)
Index("ix_transactions_customer", transactions.c.customer_id)

# Subscriptions connected by hand (`POST /customers/{uuid}/connect_subscriptions`): the members of a group share
# `group_key`, and the engine links a stop and a start between them as it does within a subscription set.
subscription_connections = Table(
    "subscription_connections",
    metadata,
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True),
    Column("group_key", String(64), nullable=False),
)
Index("ix_subscription_connections_group", subscription_connections.c.group_key)

# What a merge folds away and an unmerge gives back. `merged_ids` on the customer names the merged identities;
# these keep each one's profile, and which of the invoices in a shared data source were imported under it.
merged_customers = Table(
    "merged_customers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _customer_fk(),  # the customer it is merged into now
    _ds_fk(),
    Column("external_id", String(255), nullable=False),
    Column("profile", JSON, nullable=False),
    UniqueConstraint("customer_id", "data_source_id", "external_id", name="uq_merged_customers"),
)
# An invoice's customer external id (in the invoice's data source) when it differs from the default: the customer's
# own for its own source, else the first identity merged from that source.
merged_invoices = Table(
    "merged_invoices",
    metadata,
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True),
    Column("external_id", String(255), nullable=False),
)

# Exchange rates loaded by `mogul fx-rates load`: units of the account currency per unit of `currency`, from `day`
# (ISO date) on. See store/fx.py for the bundled fallback.
fx_rates = Table(
    "fx_rates",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("rate", Float, nullable=False),
)

# --- CRM objects. Each belongs to a customer and goes with it (ON DELETE CASCADE); a customer
# merge moves them to the surviving customer (merges.py). Lists page newest first by (created_at, uuid): the
# cursor's key is the object's own uuid, as the real API's is.

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _customer_fk(),
    _ds_fk(),
    Column("external_id", String(255), nullable=True),
    Column("position", Integer, nullable=False),
    Column("first_name", String(255), nullable=True),
    Column("last_name", String(255), nullable=True),
    Column("title", String(255), nullable=True),
    Column("email", String(255), nullable=True),
    Column("phone", String(255), nullable=True),
    Column("linked_in", String(255), nullable=True),
    Column("twitter", String(255), nullable=True),
    Column("notes", Text, nullable=True),
    Column("custom", JSON, nullable=False),
    Column("last_seen", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_contacts_created", contacts.c.created_at, contacts.c.uuid)
Index("ix_contacts_customer", contacts.c.customer_id, contacts.c.created_at, contacts.c.uuid)
Index("ix_contacts_email", contacts.c.email)


def _contact_fk() -> Column[int]:
    """The contact a note or a task is attached to (the newer clients' `associated_object`), if any: it goes with
    the contact."""
    return Column("contact_id", Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=True)


customer_notes = Table(
    "customer_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _customer_fk(),
    _contact_fk(),
    Column("type", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("call_duration", Integer, nullable=False),
    Column("author", String(600), nullable=False),
    Column("author_email", String(255), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_customer_notes_created", customer_notes.c.created_at, customer_notes.c.uuid)
Index("ix_customer_notes_customer", customer_notes.c.customer_id, customer_notes.c.created_at, customer_notes.c.uuid)
Index("ix_customer_notes_contact", customer_notes.c.contact_id)

opportunities = Table(
    "opportunities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _customer_fk(),
    Column("owner", String(255), nullable=False),
    Column("pipeline", String(255), nullable=False),
    Column("pipeline_stage", String(255), nullable=False),
    # ISO `YYYY-MM-DD`: compares as the date does, on both databases.
    Column("estimated_close_date", String(10), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_in_cents", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    Column("forecast_category", String(16), nullable=False),
    Column("win_likelihood", Integer, nullable=False),
    Column("custom", JSON, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_opportunities_created", opportunities.c.created_at, opportunities.c.uuid)
Index("ix_opportunities_customer", opportunities.c.customer_id, opportunities.c.created_at, opportunities.c.uuid)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    _customer_fk(),
    _contact_fk(),
    Column("task_details", String(255), nullable=False),
    Column("assignee", String(255), nullable=False),
    Column("due_date", BigInteger, nullable=False),
    Column("completed_at", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_tasks_created", tasks.c.created_at, tasks.c.uuid)
Index("ix_tasks_customer", tasks.c.customer_id, tasks.c.created_at, tasks.c.uuid)
Index("ix_tasks_contact", tasks.c.contact_id)

# Rows that belong to a customer and move with it when it is merged into another.
CRM_TABLES = (contacts, customer_notes, opportunities, tasks)


# --- Plan groups, subscription events and activities exports. New tables: `create_all` makes them.

plan_groups = Table(
    "plan_groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_plan_groups_created", plan_groups.c.created_at, plan_groups.c.id)

# A group's plans; a plan deleted (or its data source) leaves its groups.
plan_group_plans = Table(
    "plan_group_plans",
    metadata,
    Column("plan_group_id", Integer, ForeignKey("plan_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_plan_group_plans_plan", plan_group_plans.c.plan_id)

# Stored as sent (integers as integers), read by nothing but their own endpoints: they change no MRR.
subscription_events = Table(
    "subscription_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _ds_fk(),
    Column("customer_external_id", String(255), nullable=False),
    Column("subscription_set_external_id", String(255), nullable=True),
    Column("subscription_external_id", String(255), nullable=False),
    Column("plan_external_id", String(255), nullable=True),
    Column("event_date", BigInteger, nullable=False),
    Column("effective_date", BigInteger, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("external_id", String(255), nullable=True),
    Column("quantity", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("amount_in_cents", BigInteger, nullable=True),
    Column("tax_amount_in_cents", BigInteger, nullable=True),
    Column("retracted_event_id", String(255), nullable=True),
    Column("event_order", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("data_source_id", "external_id", name="uq_subscription_events_external_id"),
)
Index("ix_subscription_events_created", subscription_events.c.created_at, subscription_events.c.id)

# `POST /activities_export` jobs and their files (a zip, kept in the database so every worker process can serve
# it, until it expires). `claimed_at` is the lease of the process running the job (store/exports.py).
activities_exports = Table(
    "activities_exports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("activity_type", String(16), nullable=True),
    Column("start_at", BigInteger, nullable=True),
    Column("end_at", BigInteger, nullable=True),
    Column("end_before", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("claimed_at", BigInteger, nullable=True),
    Column("finished_at", BigInteger, nullable=True),
    Column("expires_at", BigInteger, nullable=True),
    Column("file", LargeBinary, nullable=True),
)
Index("ix_activities_exports_status", activities_exports.c.status)

# `POST /data_sources/{uuid}/json_imports` jobs: the body as sent, run in the background (store/json_imports.py),
# with each object's outcome in `status_details`. `claimed_at` is the running process's lease, as for exports.
json_imports = Table(
    "json_imports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("data_source_id", Integer, ForeignKey("data_sources.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(255), nullable=True),
    Column("status", String(16), nullable=False),
    Column("body", Text, nullable=True),
    Column("status_details", JSON, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("claimed_at", BigInteger, nullable=True),
)
Index("ix_json_imports_status", json_imports.c.status)


# --- Tables the metrics engine fills: the processing queue, activities, per-customer results.

# One row per customer whose imported data changed since it was last computed. `token` changes on every
# enqueue, so a processor only dequeues what it computed: an import landing mid-computation re-queues.
processing_queue = Table(
    "processing_queue",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("data_source_id", Integer, ForeignKey("data_sources.id", ondelete="CASCADE"), nullable=False),
    Column("token", String(32), nullable=False),
    Column("enqueued_at", BigInteger, nullable=False),
)
Index("ix_processing_queue_source", processing_queue.c.data_source_id)
Index("ix_processing_queue_enqueued", processing_queue.c.enqueued_at)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    # No key to data_sources: a processor inserting activities must not wait on a data source being deleted
    # (the customers key cascades them away anyway).
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("date", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    # The `/v1/activities` entry, rendered once at processing time and spliced into responses as is.
    Column("body", Text, nullable=False),
)
Index("ix_activities_date", activities.c.date, activities.c.uuid)
# The `/activities` page order: a cursor page starts at its position instead of scanning from the window's start
# (schema version 6; earlier databases made it on every start).
ACTIVITIES_PAGE_INDEX = Index("ix_activities_date_id", activities.c.date, activities.c.id)
Index("ix_activities_customer", activities.c.customer_id, activities.c.date)

customer_results = Table(
    "customer_results",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("flows", JSON, nullable=False),
    Column("spans", JSON, nullable=False),
    # `/v1/customers/{uuid}/subscriptions` entries.
    Column("subscriptions", JSON, nullable=False),
    Column("error", Text, nullable=True),
)
Index("ix_customer_results_version", customer_results.c.version)

# A single row: bumped by every processing batch, so each server process can tell what it has not applied.
results_version = Table(
    "results_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# When a customer's result next changes with time alone (an unpaid invoice falls due, a period ends without a
# renewal, auto-churn fires): the processor re-queues the customer then, without a new import.
recompute_schedule = Table(
    "recompute_schedule",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("due_at", BigInteger, nullable=False),
)
Index("ix_recompute_schedule_due", recompute_schedule.c.due_at)

# `/v1/customers` list entries stored rendered, written by Python with every change to what they show
# (store/customer_entries.py): `customers.render`'s JSON in two parts, around the account's currency keys.
customer_entries = Table(
    "customer_entries",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("head", Text, nullable=False),
    Column("tail", Text, nullable=False),
)
