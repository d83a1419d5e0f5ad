"""mogul.source: an Airbyte-protocol source for ChartMogul (`source-chartmogul`, `mogul source`).

In-process API (what `mogul sync` uses): `spec()`, `check(config)`, `discover(config)` return one
AirbyteMessage dict each; `read(config, catalog, state)` yields them and raises `ReadFailed` at
the end when a stream failed.
"""

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
