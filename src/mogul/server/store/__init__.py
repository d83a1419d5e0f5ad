"""State and rules of the emulated ChartMogul account; routes call these, never SQL directly."""

from . import results_schema as _results_schema  # noqa: F401  (registers its tables on the metadata)
from .database import DEFAULT_DATABASE, Database

__all__ = ["DEFAULT_DATABASE", "Database"]
