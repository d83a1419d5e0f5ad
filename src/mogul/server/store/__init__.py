"""State and rules of the emulated ChartMogul account; routes call these, never SQL directly."""

from .database import DEFAULT_DATABASE, Database

__all__ = ["DEFAULT_DATABASE", "Database"]
