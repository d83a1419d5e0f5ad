"""mogul.source: an Airbyte-protocol source for ChartMogul (`source-chartmogul`, `mogul source`).

In-process API (what `mogul sync` uses): `spec()`, `check(config)`, `discover(config)` return one
AirbyteMessage dict each; `read(config, catalog, state)` yields them and raises `ReadFailed` at
the end when a stream failed.
"""

import sys

# httpx's package imports its command line (click, rich, pygments) whenever they are installed, as mogul's own
# CLI makes them: about 80 ms of CPU. The client imports httpx only when a proxy is configured (client/http.py);
# even then nothing here uses its command line, and `httpx.main` says that its extras are missing.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]

from .config import SPEC, ConfigError
from .connector import check, discover, read, read_batches, spec
from .errors import ReadFailed
from .protocol import RecordBatch
from .streams import STREAMS

__all__ = [
    "SPEC",
    "STREAMS",
    "ConfigError",
    "ReadFailed",
    "RecordBatch",
    "check",
    "discover",
    "read",
    "read_batches",
    "spec",
]
