"""CPU per `/v1/customers` page of 200, rendered and JSON-encoded, through `Customers.list` on PostgreSQL (the
Python rendering path). Needs PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`); it creates and drops a
database of its own. Run it with each checkout's interpreter to compare two versions:

    .venv/bin/python bench/customer_page.py
"""

from __future__ import annotations

import time
import uuid

import orjson
from sqlalchemy import create_engine, text

from mogul.server.pagination import PageParams
from mogul.server.store import Database
from mogul.server.store.customers import Customers
from mogul.server.store.data_sources import DataSources

name = "dcbench_" + uuid.uuid4().hex[:6]
admin = create_engine("postgresql+psycopg://127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
with admin.connect() as c:
    c.execute(text(f"CREATE DATABASE {name}"))
db = Database(f"postgresql+psycopg://127.0.0.1:5432/{name}")
try:
    db.migrate()
    ds = DataSources(db).create({"name": "Bench"})
    store = Customers(db)
    for i in range(1000):
        store.create(
            {
                "data_source_uuid": ds["uuid"],
                "external_id": f"c{i}",
                "name": f"Customer {i}",
                "email": f"c{i}@x.com",
                "country": "US",
                "state": "CA",
                "city": "Mountain View",
                "zip": "12345",
                "attributes": {"tags": ["a"]},
            }
        )
    params = PageParams(per_page=200, page=2)
    for _ in range(5):
        orjson.dumps(store.list({}, params)[1])
    best = []
    for _ in range(5):
        t = time.process_time()
        for _ in range(20):
            orjson.dumps(store.list({}, params)[1])
        best.append((time.process_time() - t) / 20 * 1000)
    print(f"{min(best):.2f} ms CPU per page of 200 (best of 5x20)")
finally:
    db.dispose()
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE {name}"))
