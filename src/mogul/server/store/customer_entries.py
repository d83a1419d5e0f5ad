"""`/v1/customers` list entries, stored rendered: a row of `customer_entries` per customer, written by Python.

A list page of 200 customers rendered on each read (the row's 25 columns fetched, decoded and rendered by
`customers.render`) cost about four times the server CPU of one whose entries are read as stored text; reads
outnumber writes. So every write that changes what a customer's entry shows stores the entry again, in the same
transaction: `put` with an entry the write rendered anyway (a create, a PATCH), `store` to render customers by id.
The writes: customers.py (create, update, tags, custom attributes), merges.py (merge, unmerge, a data source's
identities released) and engine_io.py (the status, MRR, ARR and customer-since the metrics engine computes).
A customer's data source never changes its `uuid` or `system` once created.

The entry is `customers.render`'s JSON without the account's `currency` and `currency-sign` (the account's
currency can change): `head` is the text before them, without the closing brace, `tail` the text after (`}` when
nothing follows). A list joins `head + middle(currency, sign) + tail`.

`Database.migrate` stores every entry again when `customers.render` gives other bytes than the stored entries
were made with (`fingerprint()`, kept in `mogul_meta`): a new version that renders a customer differently
replaces them at its first start.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, Connection, Integer, bindparam, delete, select

from . import schema
from .bulk import insert_rows

e = schema.customer_entries
CURRENCY_KEYS = ("currency", "currency-sign")
META_KEY = "customer_entries"
BATCH = 500  # customers rendered per statement when all are stored again

_DROP = delete(e).where(e.c.customer_id.in_(bindparam("ids", expanding=True)))


def split(entry: Mapping[str, Any]) -> tuple[str, str]:
    """A rendered customer's JSON around its currency keys: `(head, tail)`."""
    keys = list(entry)
    at = keys.index(CURRENCY_KEYS[0])
    if at == 0 or keys[at : at + len(CURRENCY_KEYS)] != list(CURRENCY_KEYS):
        raise ValueError(f"a customer's {' and '.join(CURRENCY_KEYS)} must follow each other, after another key")
    head = orjson.dumps({key: entry[key] for key in keys[:at]})[:-1]
    after = {key: entry[key] for key in keys[at + len(CURRENCY_KEYS) :]}
    tail = b"," + orjson.dumps(after)[1:] if after else b"}"
    return head.decode(), tail.decode()


def middle(currency: str, sign: str) -> str:
    """The text between an entry's stored parts: the account's currency keys."""
    return "".join(
        f",{orjson.dumps(key).decode()}:{orjson.dumps(value).decode()}"
        for key, value in zip(CURRENCY_KEYS, (currency, sign), strict=True)
    )


def put(conn: Connection, rendered: Sequence[tuple[int, Mapping[str, Any]]], *, new: bool = False) -> None:
    """Store the entries of these customers, `(id, what customers.render gave)`, in place of their old ones
    (`new`: customers just created, which have none)."""
    if not rendered:
        return
    if not new:
        conn.execute(_DROP, {"ids": [ident for ident, _ in rendered]})
    rows = []
    for ident, entry in rendered:
        head, tail = split(entry)
        rows.append({"customer_id": ident, "head": head, "tail": tail})
    insert_rows(conn, e, rows)


def store(conn: Connection, ids: Iterable[int]) -> None:
    """Render these customers as they are now in `conn`'s transaction and store their entries."""
    from .customers import base_query, render  # the customers store imports this module

    wanted = sorted(set(ids))
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        rows = conn.execute(base_query().where(schema.customers.c.id.in_(chunk))).all()
        put(conn, [(row.id, render(row, "USD")) for row in rows])  # any currency: its keys are left out


def store_all(conn: Connection) -> None:
    """Store every customer's entry again, and the fingerprint of the renderer that made them."""
    ids = conn.execute(select(schema.customers.c.id)).scalars().all()
    store(conn, ids)
    meta = schema.meta
    found = conn.execute(select(meta.c.value).where(meta.c.key == META_KEY)).scalar_one_or_none()
    if found is None:
        conn.execute(meta.insert().values(key=META_KEY, value=fingerprint()))
    else:
        conn.execute(meta.update().where(meta.c.key == META_KEY).values(value=fingerprint()))


def current(conn: Connection) -> bool:
    """Whether the stored entries were made by this renderer."""
    meta = schema.meta
    return conn.execute(select(meta.c.value).where(meta.c.key == META_KEY)).scalar_one_or_none() == fingerprint()


@functools.cache
def fingerprint() -> str:
    """A digest of what `customers.render` makes of a customer with every field set: any change to the keys,
    their order or how values are written changes it."""
    from .customers import render  # the customers store imports this module

    values: dict[str, Any] = {}
    for column in schema.customers.columns:
        if isinstance(column.type, JSON):
            values[column.name] = {"merged_ids": [["ds_2", "e2"]], "tags": ["t"]}.get(column.name, {"k": 1.5})
        elif isinstance(column.type, BigInteger | Integer):
            values[column.name] = 1_454_328_000_000_001
        else:
            values[column.name] = "ÿ US"
    values.update(country="US", state="ca", ds_uuid="ds_1", ds_system="Custom")
    head, tail = split(render(SimpleNamespace(**values), "EUR"))
    return hashlib.sha256(f"{head}|{tail}".encode()).hexdigest()[:16]
