"""What the dlt and Singer tests share: an account that gains activities, `mogul sync`'s rows as the reference, and
rows from any table put in one comparable form."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from mogul.server import processing
from mogul.server.app import Stores
from mogul.source import STREAMS
from mogul.sync.source_sync import plan_sync, sync_source

from ..source.conftest import Account

KEYS = {stream.name: stream.primary_key for stream in STREAMS}
Rows = dict[str, list[dict[str, Any]]]


def dlt_env(tmp: Path) -> dict[str, str]:
    """dlt must not phone home from the tests, nor use a developer's ~/.dlt."""
    return {"RUNTIME__DLTHUB_TELEMETRY": "false", "DLT_DATA_DIR": str(tmp / "dlt-data")}


def add_paying_customer(account: Account, n: int) -> str:
    """A new customer whose first invoice (an hour ago) makes a new-business activity, later than any other."""
    stores = Stores.on(account.db)
    source = account.seeded.data_sources[0]
    plan = stores.plans.create(
        {"data_source_uuid": source, "name": f"Late plan {n}", "interval_count": 1, "interval_unit": "month",
         "external_id": f"late_plan_{n}"}
    )  # fmt: skip
    customer = stores.customers.create(
        {"data_source_uuid": source, "external_id": f"late_{n}", "name": f"Late {n}", "email": f"late{n}@x.example"}
    )
    when = datetime.now(UTC) - timedelta(hours=1)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    end = (when + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S UTC")
    invoice = {
        "external_id": f"late_inv_{n}", "date": stamp, "currency": "USD", "data_source_uuid": source,
        "line_items": [
            {"type": "subscription", "plan_uuid": plan["uuid"], "subscription_external_id": f"late_sub_{n}",
             "service_period_start": stamp, "service_period_end": end, "amount_in_cents": 5000 + n,
             "external_id": f"late_li_{n}"}
        ],
        "transactions": [{"type": "payment", "date": stamp, "result": "successful", "external_id": f"late_tr_{n}"}],
    }  # fmt: skip
    stores.invoices.import_invoices(customer["uuid"], {"invoices": [invoice]})
    processing.drain(account.db)
    return str(customer["uuid"])


def mogul_sync(config: Mapping[str, Any], path: Path, streams: Iterable[str] | None = None) -> Rows:
    """`mogul sync`'s tables (in-process, into DuckDB at `path`; incremental from its stored state), as rows."""
    plan = plan_sync(dict(config), streams=list(streams) if streams else None)
    result = sync_source(dict(config), f"duckdb:///{path}", plan)
    assert result.ok, result
    out: Rows = {}
    with duckdb.connect(str(path)) as con:
        for spec in plan.specs:
            cursor = con.execute(f'SELECT * FROM "{spec.name}"')
            names = [d[0] for d in cursor.description]
            out[spec.name] = [
                {k: v for k, v in zip(names, row, strict=True) if not k.startswith("_mogul_")}
                for row in cursor.fetchall()
            ]
    return out


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def canonical(rows: Iterable[Mapping[str, Any]], name: Callable[[str], str] = str) -> list[dict[str, Any]]:
    """Rows with comparable values (instants in UTC, dates and JSON parsed), column names through `name`, without
    the loaders' own columns and without NULLs (a loader may leave out a column no record filled)."""
    out = []
    for row in rows:
        out.append(
            {
                name(k): _value(v)
                for k, v in row.items()
                if v is not None and not k.startswith(("_dlt_", "_sdc_", "_mogul_"))
            }
        )
    return out


def by_key(stream: str, rows: list[dict[str, Any]], name: Callable[[str], str] = str) -> dict[tuple[Any, ...], Any]:
    """Rows by primary key; fails on a key seen twice (a doubled row)."""
    out: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        key = tuple(row[name(part)] for part in KEYS[stream])
        assert key not in out, f"{stream}: row {key} is there twice"
        out[key] = row
    return out


def assert_same_rows(expected: Rows, actual: Rows, name: Callable[[str], str] = str) -> None:
    """Every stream of `expected` (mogul sync's) has the same rows in `actual`, none missing, none doubled."""
    for stream, rows in expected.items():
        want = by_key(stream, canonical(rows, name), name)
        got = by_key(stream, canonical(actual.get(stream, [])), name)
        assert set(got) == set(want), f"{stream}: missing {set(want) - set(got)}, extra {set(got) - set(want)}"
        for key, row in want.items():
            assert got[key] == row, f"{stream} {key}:\n{got[key]}\n!=\n{row}"


def environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__", "TAP_CHARTMOGUL_"))}
    env.update(extra)
    return env
