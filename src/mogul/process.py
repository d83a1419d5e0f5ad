"""mogul's console programs (`mogul`, `source-chartmogul`, `tap-chartmogul`) and how they tune their interpreter.

`run_program` is the one place that tunes them, and `settle` the one place a program's own code asks for more
(a garbage-collector freeze once `mogul serve` has built its app): imported as a library, mogul leaves the
garbage collector, the thread switch interval and `sys.modules` as the host program set them.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

GC_THRESHOLD = (10_000, 10, 10)
SWITCH_INTERVAL = 0.0001

_tuned = False
"""Set by `tune`: this process is one of mogul's console programs (or a worker process one started)."""


def run_program(load: Callable[[], Callable[[], object]], *, switch_interval: float | None = SWITCH_INTERVAL) -> None:
    """Tune this process, import the program (`load` returns its entry function), freeze it, run it.

    - httpx's package imports its own command line (click, rich and pygments) whenever they are installed:
      about 60 ms of CPU at every start, for a command line no mogul program uses. It is marked missing, which
      httpx handles (`httpx.main` then says its extras are missing).
    - a young generation of 10,000 objects (CPython's is 700): a decoded page of 200 customers, or one customer's
      engine results, holds enough containers to start a young collection several times over.
    - a 0.1 ms thread switch interval (CPython's is 5 ms): DuckDB takes the GIL between the tasks of a query, and
      a thread waiting for it waits out the interval while another thread converts records; at 5 ms a 20,000-row
      insert took 72 ms instead of 15 next to a busy thread, at 0.1 ms 19 ms. Only `mogul` (whose sync writes
      DuckDB) sets it: the source and the tap keep CPython's, as their 20 request threads are switched less
      often (about 0.05 CPU-s less over a 110,000-record read held at ChartMogul's rate limit).
    - `gc.freeze()` once the program is imported: its modules are never garbage, yet every full collection
      walked them.
    """
    tune(switch_interval)
    main = load()
    gc.freeze()
    main()


def tune(switch_interval: float | None = SWITCH_INTERVAL) -> None:
    """The interpreter settings of `run_program`, before anything is imported."""
    global _tuned
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    gc.set_threshold(*GC_THRESHOLD)
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    _tuned = True


def settle() -> None:
    """A console program has built what lives as long as it does (a server's app: routes, SQLAlchemy's tables):
    frozen, full collections stop walking it. In a host program that uses mogul as a library, nothing."""
    if _tuned:
        gc.freeze()


def server_worker() -> object:
    """uvicorn's app factory in each worker process of `mogul serve --workers N`: tuned as `mogul` is."""
    tune()
    from .server.serve import app_from_env

    app = app_from_env()
    settle()
    return app


def _mogul() -> Callable[[], object]:
    from .cli import main

    return main


def _source() -> Callable[[], object]:
    from .source.entrypoint import launch

    return lambda: sys.exit(launch(sys.argv[1:]))


def _tap() -> Callable[[], object]:
    from .singer.tap import launch

    return lambda: sys.exit(launch(sys.argv[1:]))


def mogul() -> None:
    """The `mogul` console script."""
    run_program(_mogul)


def source_chartmogul() -> None:
    """The `source-chartmogul` console script."""
    run_program(_source, switch_interval=None)


def tap_chartmogul() -> None:
    """The `tap-chartmogul` console script."""
    run_program(_tap, switch_interval=None)
