"""mogul.singer: `tap-chartmogul`, mogul's source as a Singer tap for Meltano and any Singer target
(docs/warehouses.md). Part of the base install: it needs nothing beyond the source."""

from .catalog import discover
from .tap import about, run

__all__ = ["about", "discover", "run"]
