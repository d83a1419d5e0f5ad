"""A sync in its own process, for the kill -9 tests: `python sync_child.py URL VERSION CUSTOMERS
ACTIVITIES PAGE`. Prints "ready" (and on PostgreSQL the backend's pid) once connected, just before the first message is
written."""

from __future__ import annotations

import sys

import sync_source as source

from mogul.sync import connect, load_state, run_sync

MODES = {"customers": "overwrite", "activities": "append"}


def sync(url: str, version: int, customers: int, activities: int, page: int) -> None:
    """One sync of the test source, resumed from the destination's state."""
    with connect(url) as dest:
        state = load_state(dest, source.CATALOG, MODES)
        # The PostgreSQL backend serving this sync: after a kill -9 the test waits for it to end, as the server
        # may still be committing the dead client's last transaction.
        backend = getattr(getattr(dest, "_con", None), "info", None)
        print("ready", getattr(backend, "backend_pid", ""), flush=True)
        messages = source.read(state, customers=customers, activities=activities, page=page, version=version)
        # A commit at every STATE: the most commit boundaries for a kill to land near.
        run_sync(messages, source.CATALOG, dest, MODES, checkpoint_rows=0)


def main() -> None:
    sync(sys.argv[1], *map(int, sys.argv[2:6]))
    print("done", flush=True)


if __name__ == "__main__":
    main()
