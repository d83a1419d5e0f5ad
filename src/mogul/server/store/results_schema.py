"""Tables the metrics engine fills: the processing queue, activities, per-customer results.

They share `schema.metadata`, so `Database.migrate()` creates them with the rest.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from .schema import metadata

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
# (ensured on every start by Database.migrate, so databases made before it gain it without a version change).
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
