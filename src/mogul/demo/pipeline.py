"""`mogul demo`: the whole system on a throwaway server, with nothing to configure."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..client import Client
from ..server.embedded import EmbeddedServer
from ..server.store import Database
from ..server.store.keys import create_key

# The two sources of the seed documents, created oldest first so the list shows them as the seed does.
SEED_SOURCES = ("Enterprise billing connection", "In-house billing")


def run_demo(say: Callable[[str], None] = print) -> dict[str, Any]:
    """Start a server on a free port with a temporary database, create the seed's sources, list them, stop."""
    with tempfile.TemporaryDirectory(prefix="mogul-demo-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'demo.db'}")
        db.migrate()
        key, _ = create_key(db, "demo", "read-write")
        with EmbeddedServer(db) as server, Client(key, server.base_url) as cm:
            say(f"mogul demo: server at {server.base_url}/v1 (temporary database)")
            for name in SEED_SOURCES:
                created = cm.data_sources.create(name)
                say(f"created data source {created.uuid} {created.name!r}")
            listing = {"data_sources": [s.to_dict() for s in cm.data_sources.list()]}
        db.dispose()
    return listing
