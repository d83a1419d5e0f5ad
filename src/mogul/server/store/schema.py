"""The database schema (SQLAlchemy Core). Timestamps are UTC microseconds since the epoch (BigInteger).

Tables are created, and older databases upgraded, by `database.Database.migrate()` on start.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

SCHEMA_VERSION = 1

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
    Column("processed", BigInteger, nullable=False, default=0),
    Column("pending", BigInteger, nullable=False, default=0),
    Column("failed", BigInteger, nullable=False, default=0),
    Column("auto_churn_enabled", Boolean, nullable=False, default=False),
    Column("auto_churn_interval", Integer, nullable=True),
    Column("invoice_handling", JSON, nullable=False),
    UniqueConstraint("name", name="uq_data_sources_name"),
)

Index("ix_data_sources_created", data_sources.c.created_at, data_sources.c.id)
