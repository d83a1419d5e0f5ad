"""How mogul's own programs tune the interpreter they run in: `tune_process`, called by the console entry points
(`mogul`, `source-chartmogul`) and by nothing else. Imported as a library, mogul leaves the garbage collector
and the thread switch interval as the host program set them."""

from __future__ import annotations

import gc
import sys

GC_THRESHOLD = (10_000, 10, 10)
SWITCH_INTERVAL = 0.0001


def tune_process() -> None:
    """Once, at the start of a mogul command:

    - `gc.freeze()`: the modules imported so far are never garbage, yet every full collection walked them.
    - a young generation of 10,000 objects (CPython's is 700): a decoded page of 200 customers, or one customer's
      engine results, holds enough containers to start a young collection several times over.
    - a 0.1 ms thread switch interval (CPython's is 5 ms): DuckDB takes the GIL between the tasks of a query, and
      a thread waiting for it waits out the interval while another thread converts records; at 5 ms a 20,000-row
      insert took 72 ms instead of 15 next to a busy thread, at 0.1 ms 19 ms.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    sys.setswitchinterval(SWITCH_INTERVAL)
